// cnnbench/detail/type_list.hpp: a minimal type list (the part of Boost.Mp11 cnnbench needs).
#pragma once
#include <cstddef>
#include <utility>

namespace cnnbench::detail {

template <class... Ts>
struct type_list {
  static constexpr std::size_t size = sizeof...(Ts);
};

template <class... Ls>
struct concat;
template <>
struct concat<> {
  using type = type_list<>;
};
template <class... As>
struct concat<type_list<As...>> {
  using type = type_list<As...>;
};
template <class... As, class... Bs, class... Rest>
struct concat<type_list<As...>, type_list<Bs...>, Rest...> {
  using type = typename concat<type_list<As..., Bs...>, Rest...>::type;
};
template <class... Ls>
using concat_t = typename concat<Ls...>::type;

// at_t<I, List>: the I-th type. An error "incomplete type" here means I >= List::size.
template <std::size_t I, class List>
struct at;
template <std::size_t I, class T, class... Ts>
struct at<I, type_list<T, Ts...>> : at<I - 1, type_list<Ts...>> {};
template <class T, class... Ts>
struct at<0, type_list<T, Ts...>> {
  using type = T;
};
template <std::size_t I, class List>
using at_t = typename at<I, List>::type;

/// Calls f(std::integral_constant<std::size_t, I>{}, type_tag<T_I>{}) for each element, in order.
template <class T>
struct type_tag {
  using type = T;
};
template <class... Ts, class F>
constexpr void for_each_type(type_list<Ts...>, F&& f) {
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (f(std::integral_constant<std::size_t, I>{}, type_tag<Ts>{}), ...);
  }(std::index_sequence_for<Ts...>{});
}

}  // namespace cnnbench::detail
