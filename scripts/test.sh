#!/usr/bin/env bash
# Install everything the test suite needs and run it all: lint, then pytest (extra arguments go to pytest).
# Services: MariaDB and Redis are started when absent; clickhouse-server is installed here and started by the
# suite itself on a free port. Nothing is skipped for want of a service.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

apt_install pkg-config libmariadb-dev build-essential clickhouse-server chromium
ensure_venv test
# The Tutor plugin's tests: real tutor, with and without tutor-contrib-aspects; docker-compose validates compose files.
apt_install docker-compose
export OARS_TUTOR_VENV="${OARS_TUTOR_VENV:-$ROOT/.venv-tutor}" OARS_TUTOR_ASPECTS_VENV="${OARS_TUTOR_ASPECTS_VENV:-$ROOT/.venv-tutor-aspects}"
ensure_tutor_venv "$OARS_TUTOR_VENV" test.txt
ensure_tutor_venv "$OARS_TUTOR_ASPECTS_VENV" test-aspects.txt
ensure_mariadb
ensure_redis
ensure_aspects_compat

say "ruff"
"$VENV/bin/ruff" check .
say "pytest"
"$VENV/bin/pytest" "$@"
