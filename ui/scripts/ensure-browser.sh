#!/usr/bin/env bash
# Makes sure the end-to-end tests have a browser and Chinese fonts: Debian's Chromium headless shell (a
# browser download is not possible here; Playwright drives this one: the same Blink without the browser's
# user interface, about a quarter less CPU than `chromium --headless`) and Noto CJK (without it Chinese
# renders as boxes in screenshots). Installs them with apt-get when missing and root.
set -euo pipefail

CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium-headless-shell}
missing=()
[ -x "$CHROMIUM" ] || missing+=("$(basename "$CHROMIUM")")
if ! { command -v fc-list >/dev/null && fc-list :lang=zh-cn family | grep -q .; }; then
    missing+=(fonts-noto-cjk)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "ensure-browser: ${missing[*]} missing and not root: apt-get install -y ${missing[*]}" >&2
    exit 1
fi
command -v apt-get >/dev/null || { echo "ensure-browser: ${missing[*]} missing and no apt-get" >&2; exit 1; }
echo "ensure-browser: installing ${missing[*]} from Debian (apt-get)..."
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp /tmp/gov-ui-apt.XXXXXX)
opts=(-o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0)
if ! { apt-get "${opts[@]}" update -qq && apt-get "${opts[@]}" install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "ensure-browser: apt-get install ${missing[*]} failed (log: $log)" >&2
    exit 1
fi
rm -f "$log"
[ -x "$CHROMIUM" ] || { echo "ensure-browser: $CHROMIUM still missing" >&2; exit 1; }
