#!/usr/bin/env bash
# The checks CI runs after `scripts/setup.sh --test`, in order, stopping at the first failure:
# lint, formatting, types (configured in pyproject.toml), then the test suite on a virtual display.
#
#   bash scripts/check.sh            # everything
#   bash scripts/check.sh tests/x.py # the static checks, then only those tests
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin

echo "check: ruff check"
"$bin/ruff" check .
echo "check: ruff format --check"
"$bin/ruff" format --check .
echo "check: mypy"
"$bin/mypy"
echo "check: pytest"
[ "$#" -gt 0 ] || set -- tests
xvfb-run -a -s "-screen 0 1280x1024x24" env QT_QPA_PLATFORM=xcb "$bin/python" -m pytest "$@"
