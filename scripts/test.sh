#!/usr/bin/env bash
# The test command: installs what the tests need, runs the lint and type gate (scripts/lint.sh),
# then every test layer.
#   Python: unit, contract, integration, fault, security and browser tests (pytest).
#   Frontend: Vitest unit tests.
# Extra arguments go to pytest, e.g. `make test ARGS=-k upload` or `bash scripts/test.sh -x`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --frontend
bash scripts/install-browser.sh || echo "warning: Chromium is unavailable; browser tests will be skipped" >&2

bash scripts/lint.sh

if [ -f frontend/package.json ] && command -v npm >/dev/null 2>&1; then
  echo "==> frontend unit tests (vitest)"
  (cd frontend && npm test --silent)
fi

echo "==> python tests (pytest)"
mkdir -p test-output
exec .venv/bin/python -m pytest "$@"
