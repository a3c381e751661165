#!/usr/bin/env bash
# Makes sure headless Chromium (Debian's `chromium` package) is at /usr/bin/chromium for the
# dashboard's browser test (packages/cli/test/dashboard/browser.test.ts). Idempotent.
#   - already there: nothing to do;
#   - root with apt-get: installs it;
#   - otherwise: says how, and exits 0 (the browser test then skips, or fails under CI).
# An apt failure is an error under CI (the test needs the browser there) and a warning elsewhere.
set -uo pipefail

CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
  exit 0
fi

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: installing Debian's chromium package for the dashboard browser test…" >&2
  if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; then
    if [ -x "$CHROMIUM" ]; then
      echo "ensure-chromium: installed $("$CHROMIUM" --version 2>/dev/null || echo chromium)" >&2
      exit 0
    fi
    echo "ensure-chromium: apt installed chromium but $CHROMIUM is missing" >&2
  else
    echo "ensure-chromium: apt-get could not install chromium (see above)" >&2
  fi
  [ -n "${CI:-}" ] && exit 1
  exit 0
fi

cat >&2 <<'HOW'
ensure-chromium: headless Chromium is missing, so the dashboard browser test will be skipped.
Install it with:  sudo apt-get update && sudo apt-get install -y chromium   (Debian/Ubuntu)
The test expects the browser at /usr/bin/chromium.
HOW
exit 0
