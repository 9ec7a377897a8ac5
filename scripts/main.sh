#!/usr/bin/env bash
# The main job: this fiscal year's templates, the filled example forms and the add-in -> dist/, and
# jixiao's wheel with an offline wheelhouse for Windows -> dist/ (--no-wheelhouse or
# JIXIAO_NO_WHEELHOUSE=1 where there is no network).
# Extra arguments go to build_templates.py (e.g. --year 2027 --profile national).
set -euo pipefail
source "$(dirname "$0")/venv.sh"
ensure_venv dist
cd "$REPO"
exec "$VENV/bin/python" build_templates.py "$@"
