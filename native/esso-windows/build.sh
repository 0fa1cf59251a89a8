#!/usr/bin/env bash
# Cross-compiles the Windows eSSO driver's UI Automation code and its probe with mingw-w64, to
# prove the build on Linux. Output: native/esso-windows/out/esso-uia-probe.exe (not committed).
set -euo pipefail
cd "$(dirname "$0")"
CXX=${CXX:-x86_64-w64-mingw32-g++}
command -v "$CXX" >/dev/null || { echo "$0: $CXX is missing (apt-get install mingw-w64)" >&2; exit 1; }
mkdir -p out
"$CXX" -std=c++17 -O2 -Wall -Wextra -Werror -municode -c esso_uia.cc -o out/esso_uia.o
"$CXX" -std=c++17 -O2 -Wall -Wextra -Werror -c probe.cc -o out/probe.o
"$CXX" -static -o out/esso-uia-probe.exe out/probe.o out/esso_uia.o -luser32
echo "$PWD/out/esso-uia-probe.exe"
