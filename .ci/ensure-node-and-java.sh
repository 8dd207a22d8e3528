#!/usr/bin/env bash
# Make sure the accessibility checks have what they run on: Node.js and npm, to install axe-core
# and the Nu Html Checker pinned in package-lock.json, and Java, to run the checker. Takes the
# system's; else, as root, Debian's packages. Fails loudly rather than letting the checks be
# skipped.
set -euo pipefail

missing=()
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi
if ! command -v java >/dev/null 2>&1; then
  missing+=(default-jre-headless)
fi
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${missing[*]} from the system's packages..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
status=0
if ! command -v npm >/dev/null 2>&1; then
  echo "error: no Node.js/npm for the accessibility checks. Install the 'nodejs' and 'npm' packages." >&2
  status=1
fi
if ! command -v java >/dev/null 2>&1; then
  echo "error: no Java for the Nu Html Checker. Install the 'default-jre-headless' package." >&2
  status=1
fi
exit "$status"
