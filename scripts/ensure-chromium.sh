#!/usr/bin/env bash
# Makes sure headless Chromium (Debian's package) is there for the dashboard's browser test.
# Idempotent; needs root and apt-get to install. Without them it only says how, and the browser
# test then skips (or fails under CI, where it must run).
set -u
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium from apt for the browser test…" >&2
  apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 \
    && exit 0
  echo "could not install chromium with apt-get" >&2
  exit 0
fi
echo "headless Chromium is missing: install Debian's 'chromium' package (sudo apt-get install chromium) to run the browser test" >&2
exit 0
