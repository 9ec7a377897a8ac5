# Sourced by main.sh and test.sh: make .venv (Python >= 3.11) and install jixiao into it.
# usage: ensure_venv [extras]   e.g. ensure_venv test
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO/.venv"

pick_python() {
  for py in python3.11 python3.12 python3.13 python3; do
    if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$py"; return 0
    fi
  done
  echo "jixiao: Python 3.11 或更高版本未找到 / Python >= 3.11 not found" >&2
  return 1
}

ensure_venv() {
  local extras="${1:-}"
  if [ ! -x "$VENV/bin/python" ]; then
    local py; py="$(pick_python)"
    if ! "$py" -m venv "$VENV" 2>/dev/null; then
      # Debian's python3 needs python3-venv for ensurepip.
      if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "== installing python3-venv"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
        rm -rf "$VENV"; "$py" -m venv "$VENV"
      else
        echo "jixiao: cannot create a virtual environment; install python3-venv" >&2; return 1
      fi
    fi
  fi
  local spec="$REPO"
  [ -n "$extras" ] && spec="$REPO[$extras]"
  # Reinstall only when pyproject.toml changed since the last install.
  local stamp="$VENV/.jixiao-installed-$extras"
  if [ ! -f "$stamp" ] || [ "$REPO/pyproject.toml" -nt "$stamp" ]; then
    echo "== installing Python packages into .venv"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
    # PYTHONWARNINGS: setuptools prints a notice box for every editable install
    PYTHONWARNINGS=ignore "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e "$spec" 2>&1 \
      | grep -v "^WARNING: Location" || true
    "$VENV/bin/python" -c "import jixiao.engine, jixiao.udfs, jixiao.templates, jixiao.addin, xlwings, openpyxl, xlsxwriter, jinja2" \
      || { echo "jixiao: Python packages failed to install" >&2; return 1; }
    touch "$stamp"
  fi
}
