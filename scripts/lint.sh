#!/usr/bin/env bash
# The lint and type gate of `make test`: ruff (lint and format), mypy (strict on chat_common/),
# and, for the frontend, eslint, tsc and a check that the API types match the gateway's schema.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "==> ruff check, ruff format --check"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "==> mypy"
.venv/bin/mypy
if [ -f frontend/package.json ] && command -v npm >/dev/null 2>&1; then
  echo "==> frontend: eslint, tsc"
  (cd frontend && npm run --silent lint && npm run --silent typecheck)
  if [ -f scripts/check-generated.sh ]; then
    echo "==> frontend: API types match the gateway's OpenAPI schema"
    bash scripts/check-generated.sh
  fi
fi
