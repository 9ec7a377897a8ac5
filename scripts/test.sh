#!/usr/bin/env bash
# The whole test suite, with everything it needs (LibreOffice, CJK fonts, poppler, the OOXML validator).
# Extra arguments go to pytest.
set -euo pipefail
source "$(dirname "$0")/venv.sh"
bash "$REPO/scripts/install_test_deps.sh"
ensure_venv test
cd "$REPO"
exec "$VENV/bin/python" -m pytest -q "$@"
