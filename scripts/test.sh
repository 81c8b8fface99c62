#!/usr/bin/env bash
# Install everything the test suite needs (Python packages in .venv, Debian chromium and CJK fonts for
# the HTML report tests) and run it. Used by the README and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then apt_get="apt-get"; elif sudo -n true 2>/dev/null; then apt_get="sudo apt-get"; else apt_get=""; fi
  if [ -n "$apt_get" ]; then
    $apt_get update -qq
    DEBIAN_FRONTEND=noninteractive $apt_get install -y -qq chromium fonts-noto-cjk >/dev/null
  else
    echo "note: chromium is not installed and apt-get needs root: the browser tests will be skipped" >&2
  fi
fi

exec .venv/bin/python -m pytest -n 2 "$@"
