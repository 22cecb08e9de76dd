#!/usr/bin/env bash
# Installs the Debian 12 packages cnnbench needs, if they are missing (apt-get; root or sudo).
#   scripts/deps.sh            everything: build, tests, examples, benchmarks, data, oracle
# Each package and why:
#   g++ cmake ninja-build        the build (CMake >= 3.23)
#   libeigen3-dev                the CPU back end (Eigen 3.4)
#   zlib1g-dev xtensor-dev xtl-dev nlohmann-json3-dev   gzip IDX files, .npy weights, JSON reports
#   libcli11-dev                 command lines of the examples
#   catch2 libbenchmark-dev      tests and micro-benchmarks
#   python3 python3-numpy python3-torch   the PyTorch oracle of the tests and the side-by-side benchmarks
#   libopenblas0-pthread         PyTorch's BLAS at its best in the side-by-side benchmarks (Debian's
#                                default reference BLAS makes its Dense layers several times slower)
#   libtorch-dev                 the LibTorch adapter (exec::libtorch)
#   dataset-fashion-mnist        Fashion-MNIST, the data of the main benchmark
#   gnuplot-nox                  learning-curve plots
#   libjpeg62-turbo-dev          libjpeg-turbo: decodes the JPEG files of image folders (data/jpeg.hpp), the
#                                decoder Pillow and torchvision use (linked: JPEG::JPEG, -ljpeg)
#   libstb-dev                   stb_image: decodes the PNG/BMP/GIF/PNM/TGA files of image folders
#                                (data/image_folder.hpp, header-only use of /usr/include/stb/stb_image.h)
#   libopenmpi-dev openmpi-bin   Open MPI: trials over ranks and exec::data_parallel (cnnbench::mpi), its tests
#                                run under mpirun -np 2
#   clang libclang-rt-14-dev     libFuzzer (with ASan/UBSan) for the fuzz targets of tests/fuzz (scripts/fuzz.sh)
#   python3-pil                  Pillow: the independent reference for the image resize and augmentations in the
#                                tests (tests/scripts/pillow_image_reference.py)
#   python3-venv                 the Python frameworks' virtual environments (scripts/frameworks.sh; installed
#                                here with the rest, in one apt-get run)
set -euo pipefail
packages=(g++ cmake ninja-build make libeigen3-dev zlib1g-dev xtensor-dev xtl-dev nlohmann-json3-dev libcli11-dev
          catch2 libbenchmark-dev python3 python3-numpy python3-torch libopenblas0-pthread libtorch-dev dataset-fashion-mnist
          gnuplot-nox libjpeg62-turbo-dev libstb-dev python3-pil python3-venv libopenmpi-dev openmpi-bin clang libclang-rt-14-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#packages[@]} Debian packages are installed"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
echo "deps: installing ${#missing[@]} Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "deps: done"
