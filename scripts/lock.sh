#!/usr/bin/env bash
# Moves .venv's Python packages to the newest versions pyproject.toml allows and writes their
# exact versions to scripts/constraints.txt, which scripts/install.sh installs with. Run the
# tests (make test) before committing the new file.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/pip install --quiet --upgrade --upgrade-strategy eager -e '.[dev]'
{
  sed -n '1,/^# Refresh/p' scripts/constraints.txt
  .venv/bin/pip freeze --exclude-editable | grep '==' | LC_ALL=C sort -f
} > scripts/constraints.txt.new
mv scripts/constraints.txt.new scripts/constraints.txt
touch .venv/.installed
git --no-pager diff --stat scripts/constraints.txt
