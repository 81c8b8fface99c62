#!/usr/bin/env bash
# Install everything the test suite needs (Python packages in .venv, Debian chromium and CJK fonts for
# the HTML report tests) and run it. Used by the README and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

# chromium and CJK fonts for the browser tests; a JRE for Spark local mode and the PostgreSQL JDBC
# driver it reads the PostgreSQL store through (docs/engines.md).
debs=""
command -v chromium >/dev/null 2>&1 || debs="$debs chromium fonts-noto-cjk"
command -v java >/dev/null 2>&1 || debs="$debs default-jre-headless"
[ -f /usr/share/java/postgresql.jar ] || debs="$debs libpostgresql-jdbc-java"
if [ -n "$debs" ]; then
  if [ "$(id -u)" = 0 ]; then apt_get="apt-get"; elif sudo -n true 2>/dev/null; then apt_get="sudo apt-get"; else apt_get=""; fi
  if [ -n "$apt_get" ]; then
    $apt_get update -qq
    DEBIAN_FRONTEND=noninteractive $apt_get install -y -qq $debs >/dev/null
  else
    echo "note: apt-get needs root to install$debs: the tests that need them will be skipped" >&2
  fi
fi

# --dist loadgroup: the Spark tests share one xdist group, so one worker starts the JVM
exec .venv/bin/python -m pytest -n 2 --dist loadgroup --durations=15 "$@"
