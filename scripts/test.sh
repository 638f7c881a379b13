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

# The platform-versions lane: the tests that import the platform's libraries (plugin loading, receivers, tasks, the
# tracking backend, the pipeline, retirement, the touchpoint contract) again, in a venv constrained to edx-platform's
# pins (about 6 minutes, plus 3-4 for a first install). OARS_PLATFORM_LANE=0 skips it.
if [ "${OARS_PLATFORM_LANE:-1}" != 0 ]; then
    ensure_platform_pins_venv
    say "pytest on the platform's pinned versions ($PINS_VENV)"
    "$PINS_VENV/bin/pytest" -p no:cacheprovider tests/test_plugin.py tests/test_touchpoints.py \
        tests/test_celery_routing.py tests/host/test_standin.py tests/pipeline tests/retirement \
        tests/learners/test_live.py tests/learners/test_model_receivers.py tests/courses/test_publish.py \
        tests/courses/test_content_tags.py
fi
