// cnnbench/bench/protocols.hpp: every published protocol (one header per write-up, bench/protocols/):
//   s1.hpp  Fashion-MNIST CNN, Flux vs PyTorch vs TensorFlow      protocols::s1  (examples/fashion_mnist)
//   s2.hpp  CIFAR-10 VGG, the Rosetta Stone of frameworks          protocols::s2  (examples/cifar10_vgg)
//   s3.hpp  Keras cifar10_cnn on 2,000 images                      protocols::s3  (examples/cifar10_keras)
//   s4.hpp  LeNet on MNIST, TensorFlow vs MXNet                    protocols::s4, s4_classic (examples/mnist_lenet, mnist_lenet5)
//   s5.hpp  cats vs dogs at 224x224, PyTorch vs TensorFlow         protocols::s5, s5_binary (examples/cats_vs_dogs, cats_vs_dogs_binary)
#pragma once
#include "protocols/s1.hpp"
#include "protocols/s2.hpp"
#include "protocols/s3.hpp"
#include "protocols/s4.hpp"
#include "protocols/s5.hpp"
