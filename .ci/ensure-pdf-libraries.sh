#!/usr/bin/env bash
# Make sure the lists' PDF annex (reviews/exports.py, WeasyPrint) can be drawn: Pango and the
# libraries WeasyPrint opens (GObject, HarfBuzz and its subsetter, fontconfig, PangoFT2), and
# fonts for every script a name may be written in: DejaVu Sans (Latin, Cyrillic, Arabic) and a
# Chinese font (WenQuanYi Micro Hei, or Noto Sans CJK where it is already there). Takes the
# system's; else, as root, Debian's packages. Fails loudly rather than letting a PDF come out
# with boxes instead of letters.
set -euo pipefail

ldconfig="$(command -v ldconfig || echo /sbin/ldconfig)"
has_library() {
  "$ldconfig" -p 2>/dev/null | awk -v name="$1" '$1 == name { found = 1 } END { exit !found }'
}
has_font() {
  command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list "$@" family 2>/dev/null)" ]
}

check() {
  missing=()
  has_library libgobject-2.0.so.0 || missing+=(libglib2.0-0)
  has_library libpango-1.0.so.0 || missing+=(libpango-1.0-0)
  has_library libpangoft2-1.0.so.0 || missing+=(libpangoft2-1.0-0)
  has_library libharfbuzz.so.0 || missing+=(libharfbuzz0b)
  has_library libharfbuzz-subset.so.0 || missing+=(libharfbuzz-subset0)
  has_library libfontconfig.so.1 || missing+=(libfontconfig1)
  command -v fc-list >/dev/null 2>&1 || missing+=(fontconfig)
  has_font "DejaVu Sans" || missing+=(fonts-dejavu-core)
  has_font ":lang=zh-cn" || missing+=(fonts-wqy-microhei)
}

check
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${missing[*]} from the system's packages (for the PDF exports)..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  command -v fc-cache >/dev/null 2>&1 && fc-cache -f >/dev/null 2>&1 || true
  check
fi
if [ "${#missing[@]}" -ne 0 ]; then
  echo "error: the PDF exports need ${missing[*]} (Debian's package names). Install them." >&2
  exit 1
fi
