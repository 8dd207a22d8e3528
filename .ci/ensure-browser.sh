#!/usr/bin/env bash
# Make sure the browser tests have a Chromium to drive. Fails loudly rather
# than letting the browser tests be skipped.
set -euo pipefail
python="${1:-.venv/bin/python}"

if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "${CHROMIUM_PATH}" ]; then
  exit 0
fi
for candidate in /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -x "$candidate" ]; then
    exit 0
  fi
done
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Chromium from the system's packages..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  [ -x /usr/bin/chromium ] && exit 0
fi
echo "No system Chromium; trying Playwright's own browser download..."
if "$python" -m playwright install chromium; then
  exit 0
fi
echo "error: no Chromium for the browser tests. Install the 'chromium' package or set CHROMIUM_PATH." >&2
exit 1
