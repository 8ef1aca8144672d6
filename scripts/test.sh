#!/usr/bin/env bash
# The test command: installs what the tests need, runs the lint and type gate (scripts/lint.sh),
# then every test layer.
#   Python: unit, contract, integration, fault, security and browser tests (pytest), then the
#   contract, integration and chaos tests again on a Redis Cluster.
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
.venv/bin/python -m pytest "$@"

# The suites the tests start run on one Redis above; a whole run also repeats the contract,
# integration and chaos tests on a local Redis Cluster (3 primaries, 3 replicas, the queue in
# 6 shards). With arguments, add `--redis-mode cluster` to them to choose.
if [ "$#" -eq 0 ]; then
  echo "==> contract, integration and chaos tests on a Redis Cluster (pytest --redis-mode cluster)"
  .venv/bin/python -m pytest --redis-mode cluster -m "not browser" tests/contract tests/integration tests/faults/test_chaos.py
fi
