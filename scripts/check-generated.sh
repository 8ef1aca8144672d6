#!/usr/bin/env bash
# Fails when the frontend's generated API types (frontend/src/api/schema.d.ts) no longer match
# the gateway's OpenAPI schema. Needs the venv and frontend/node_modules
# (scripts/install.sh --frontend); run from anywhere in the repo.
set -euo pipefail
cd "$(dirname "$0")/.."

committed=frontend/src/api/schema.d.ts
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd frontend && node scripts/gen-api.mjs "$tmp/schema.d.ts" >/dev/null)

if ! diff -u --label "$committed (committed)" --label "$committed (from the gateway now)" \
    "$committed" "$tmp/schema.d.ts" >"$tmp/diff"; then
  head -n 60 "$tmp/diff" >&2
  echo >&2
  echo "frontend API types are stale: run \`npm run gen:api\` in frontend/" >&2
  exit 1
fi
echo "frontend API types are up to date ($committed)"
