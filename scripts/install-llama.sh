#!/usr/bin/env bash
# Builds and installs llama-cpp-python for this CPU, never with llama.cpp's AMX backend.
#
# pip's default build uses -march=native, which on CPUs with AMX turns on ggml's AMX matrix
# multiply; that segfaults on any prompt longer than one token (llama.cpp issue #20824). So
# we build with GGML_NATIVE=OFF and name each instruction set this CPU has, AMX excepted.
# The wheel is kept in a cache folder keyed by the version and the flags, and pip's own
# wheel cache is bypassed, so a wheel built with other flags is never reused.
# Usage: install-llama.sh PYTHON   (the venv's python)      See docs/local-model.md.
# LLAMA_CMAKE_ARGS_ONLY=1 prints the flags and stops; CPUINFO names another cpuinfo file
# (tests/unit/models/test_llama_build_flags.py checks the flags for CPUs with and without AVX-512 and AMX).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${1:-.venv/bin/python}
VERSION=$(sed -n 's/.*"llama-cpp-python\[server\]==\([0-9.]*\)".*/\1/p' pyproject.toml)
[ -n "$VERSION" ] || { echo "llama-cpp-python[server]==X pin not found in pyproject.toml" >&2; exit 1; }

cmake_args() {
  if [ "$(uname -m)" != x86_64 ]; then
    echo "-DGGML_NATIVE=ON"  # AMX exists only on x86-64
    return
  fi
  local flags args="-DGGML_NATIVE=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
  flags=" $(grep -m1 '^flags' "${CPUINFO:-/proc/cpuinfo}" | cut -d: -f2) "
  has() { [[ "$flags" == *" $1 "* ]]; }
  on() { if has "$2"; then args+=" -D$1=ON"; else args+=" -D$1=OFF"; fi; }
  on GGML_SSE42 sse4_2
  on GGML_AVX avx
  on GGML_AVX2 avx2
  on GGML_FMA fma
  on GGML_F16C f16c
  on GGML_BMI2 bmi2
  on GGML_AVX_VNNI avx_vnni
  if has avx512f && has avx512cd && has avx512vl && has avx512dq && has avx512bw; then
    args+=" -DGGML_AVX512=ON"
    on GGML_AVX512_VBMI avx512vbmi
    on GGML_AVX512_VNNI avx512_vnni
    on GGML_AVX512_BF16 avx512_bf16
  else
    args+=" -DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF"
  fi
  echo "$args"
}

ARGS=$(cmake_args)
if [ "${LLAMA_CMAKE_ARGS_ONLY:-0}" = 1 ]; then
  echo "$ARGS"
  exit 0
fi
KEY=$(printf '%s %s %s' "$VERSION" "$ARGS" "$("${CC:-cc}" --version 2>/dev/null | head -1)" | sha256sum | cut -c1-16)
STAMP=$("$PYTHON" -c "import sys; print(sys.prefix)")/.llama-build
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$KEY" ] && "$PYTHON" -c "import llama_cpp" 2>/dev/null; then
  exit 0
fi

WHEELS=${LLAMA_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chat-assistant/llama-cpp-python}/$VERSION-$KEY
if ! ls "$WHEELS"/llama_cpp_python-*.whl >/dev/null 2>&1; then
  echo "==> building llama-cpp-python $VERSION for this CPU, without AMX (first time: about 10 minutes)"
  echo "    CMAKE_ARGS=$ARGS"
  mkdir -p "$WHEELS.partial"
  CMAKE_ARGS="$ARGS" CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) \
    "$PYTHON" -m pip wheel --quiet --no-cache-dir --no-deps --no-binary llama-cpp-python \
    -w "$WHEELS.partial" "llama-cpp-python==$VERSION"
  rm -rf "$WHEELS" && mv "$WHEELS.partial" "$WHEELS"
fi
echo "==> installing llama-cpp-python $VERSION ($KEY)"
"$PYTHON" -m pip install --quiet --no-cache-dir --force-reinstall --no-deps "$WHEELS"/llama_cpp_python-*.whl
"$PYTHON" -m pip install --quiet -c scripts/constraints.txt "$(ls "$WHEELS"/llama_cpp_python-*.whl)[server]"
echo "$KEY" > "$STAMP"
