#!/usr/bin/env bash
# The run command: installs, builds the UI, starts Redis (unless REDIS_URL is set), the three
# services and the gateway, prints the URL, and stops everything on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --frontend
exec .venv/bin/python -m suite
