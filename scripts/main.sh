#!/usr/bin/env bash
# The main job: this fiscal year's templates, the two filled seed forms and the add-in -> dist/.
# Extra arguments go to build_templates.py (e.g. --year 2027 --profile national).
set -euo pipefail
source "$(dirname "$0")/venv.sh"
ensure_venv
cd "$REPO"
exec "$VENV/bin/python" build_templates.py "$@"
