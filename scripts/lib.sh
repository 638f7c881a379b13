# Shared set-up steps for scripts/test.sh and scripts/demo.sh: find Python 3.12, build the venv from the
# project's own files, install and start the services the tests need. Idempotent: a second run is quick.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${OARS_VENV:-$ROOT/.venv}"
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

find_python() {
    # Plain python3.12 where it works; through pyenv where the shim refuses it.
    if python3.12 -c 'import sys' >/dev/null 2>&1; then echo python3.12; return; fi
    if command -v pyenv >/dev/null 2>&1; then
        local version
        version="$(pyenv versions --bare 2>/dev/null | grep -E '^3\.12(\.[0-9]+)?$' | sort -V | tail -n 1)"
        if [ -n "$version" ] && [ -x "$(pyenv prefix "$version")/bin/python3.12" ]; then
            echo "$(pyenv prefix "$version")/bin/python3.12"; return
        fi
    fi
    echo "Python 3.12 is required (python3.12 on PATH, or installed through pyenv)." >&2
    exit 1
}

apt_install() {
    # Install the Debian packages named, only those missing.
    local missing=()
    for package in "$@"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        say "apt: installing ${missing[*]}"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

ensure_venv() {
    # $1: the pip extras to install, e.g. "test". Reinstalls only when setup.py changed.
    local extras="$1" stamp python
    python="$(find_python)"
    if [ ! -x "$VENV/bin/python" ]; then
        say "creating virtualenv $VENV"
        "$python" -m venv "$VENV"
    fi
    stamp="$VENV/.oars-installed-$(sha1sum "$ROOT/setup.py" | cut -c1-12)-$extras"
    if [ ! -f "$stamp" ]; then
        say "pip: installing oars-platform[$extras] into $VENV (a fresh venv: about 45 downloads, 1.5-5 minutes)"
        pip_with_progress --upgrade pip
        pip_with_progress -e "$ROOT[$extras]"
        touch "$stamp"
    fi
}

pip_with_progress() {
    # pip install "$@", printing every 15 s how long it has run and how many packages it has collected (pip's own
    # output is long and quiet mode is silent for minutes); on failure, the end of pip's log.
    local log pid started next phase
    log="$(mktemp)"
    "$VENV/bin/python" -m pip install --progress-bar off "$@" >"$log" 2>&1 &
    pid=$!
    started=$SECONDS
    next=15
    while kill -0 "$pid" 2>/dev/null; do
        sleep 1
        if [ $((SECONDS - started)) -ge "$next" ]; then
            phase="collecting"
            grep -q '^Installing collected packages' "$log" && phase="installing them"
            printf '    ... %3d s: %d packages collected, %s\n' "$((SECONDS - started))" \
                "$(grep -c '^Collecting ' "$log")" "$phase"
            next=$((next + 15))
        fi
    done
    if ! wait "$pid"; then
        tail -n 30 "$log" >&2
        rm -f "$log"
        echo "pip install $* failed (its last lines are above)" >&2
        exit 1
    fi
    printf '    done in %d s: %s\n' "$((SECONDS - started))" "$(grep -c '^Collecting ' "$log") packages collected"
    rm -f "$log"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") >/dev/null 2>&1; }

wait_port() {
    local port="$1" name="$2"
    for _ in $(seq 1 60); do port_open "$port" && return 0; sleep 0.5; done
    echo "$name did not start on port $port" >&2
    exit 1
}

ensure_mariadb() {
    port_open 3306 && return 0
    apt_install mariadb-server
    say "starting MariaDB"
    $SUDO mkdir -p /run/mysqld && $SUDO chown mysql:mysql /run/mysqld 2>/dev/null || true
    $SUDO start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
    wait_port 3306 MariaDB
}

ensure_redis() {
    port_open 6379 && return 0
    apt_install redis-server
    say "starting Redis"
    $SUDO mkdir -p /var/lib/redis /var/log/redis
    $SUDO redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/oars.log
    wait_port 6379 Redis
}

ensure_tutor_venv() {
    # $1: venv path, $2: requirements file of tutor-contrib-oars/requirements/. The Tutor plugin's tests (tests/tutor)
    # run the real `tutor` from this venv, apart from the platform's packages. Reinstalls when the plugin changed.
    local venv="$1" requirements="$ROOT/tutor-contrib-oars/requirements/$2" stamp python
    python="$(find_python)"
    [ -x "$venv/bin/python" ] || { say "creating virtualenv $venv"; "$python" -m venv "$venv"; }
    stamp="$venv/.oars-tutor-$( (cd "$ROOT/tutor-contrib-oars" && find . -type f -not -path '*/__pycache__/*' \
        -not -path './build/*' -not -path '*.egg-info*' | sort | xargs sha1sum) | sha1sum | cut -c1-12)"
    if [ ! -f "$stamp" ]; then
        say "pip: installing tutor-contrib-oars and $2 into $venv"
        "$venv/bin/python" -m pip install -q --upgrade pip
        "$venv/bin/python" -m pip install -q -r "$requirements"
        "$venv/bin/python" -m pip install -q --no-deps --force-reinstall "$ROOT/tutor-contrib-oars"
        rm -f "$venv"/.oars-tutor-*
        touch "$stamp"
    fi
}

ensure_aspects_compat() {
    # The Aspects compatibility suite's inputs, outside the repository and cached by a stamp: a venv of its own
    # (.venv-dbt) with dbt from requirements/aspects-compat.txt, the published tutor-contrib-aspects package
    # (requirements/aspects-assets.txt) unpacked, and aspects-dbt (the shared/ fixture) compiled offline.
    local venv="${OARS_DBT_VENV:-$ROOT/.venv-dbt}" cache="${OARS_ASPECTS_COMPAT_DIR:-$ROOT/.cache/aspects-compat}"
    local project="${OARS_ASPECTS_DBT_PROJECT:-$ROOT/../shared/fixtures/aspects-dbt-v7.0.0}" stamp python
    [ -f "$project/dbt_project.yml" ] || { echo "aspects-dbt fixture missing: $project" >&2; return 1; }
    stamp="$cache/.stamp-$(cat "$ROOT/requirements/aspects-compat.txt" "$ROOT/requirements/aspects-assets.txt" \
        <(cd "$project" && find . -type f | sort | xargs sha1sum) <(declare -f ensure_aspects_compat) | sha1sum | cut -c1-12)"
    [ -f "$stamp" ] && return 0
    say "aspects compatibility: dbt venv, tutor-contrib-aspects, dbt compile"
    python="$(find_python)"
    [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --upgrade pip
    "$venv/bin/python" -m pip install -q -r "$ROOT/requirements/aspects-compat.txt"
    rm -rf "$cache" && mkdir -p "$cache/download" "$cache/package" "$cache/dbt-logs"
    "$venv/bin/python" -m pip download -q --no-deps -d "$cache/download" -r "$ROOT/requirements/aspects-assets.txt"
    "$venv/bin/python" -m zipfile -e "$cache"/download/*.whl "$cache/package"
    # tutor-contrib-aspects' profile (target prod: models keep their custom schemas) with a server that need not
    # exist: compile neither connects nor introspects.
    printf 'aspects:\n  target: prod\n  outputs:\n    prod:\n      type: clickhouse\n      schema: reporting\n      host: 127.0.0.1\n      port: 9\n      user: default\n      password: ""\n' \
        > "$cache/profiles.yml"
    # tutor-contrib-aspects' values of the variables the models read.
    env ASPECTS_XAPI_DATABASE=xapi ASPECTS_RAW_XAPI_TABLE=xapi_events_all ASPECTS_EVENT_SINK_DATABASE=event_sink \
        DBT_PROFILE_TARGET_DATABASE=reporting ASPECTS_DATA_TTL_EXPRESSION="toDateTime(emission_time) + INTERVAL 1 YEAR" \
        CLICKHOUSE_CLUSTER_NAME= DBT_SEND_ANONYMOUS_USAGE_STATS=false \
        "$venv/bin/dbt" compile --no-populate-cache --no-introspect --no-partial-parse --quiet \
        --profiles-dir "$cache" --project-dir "$project" --target-path "$cache/dbt-target" --log-path "$cache/dbt-logs"
    touch "$stamp"
}
ensure_platform_pins_venv() {
    # A second venv with only the plugin's own dependencies (and the stand-in's), constrained to the versions
    # edx-platform pins (shared/platform/edx-platform-base-pins.txt), so the platform-versions lane runs the Django,
    # Celery, kombu, redis, openedx-events, event-tracking and edx-django-utils of a real LMS. pip constraints take
    # neither extras nor unpinned names, so those lines are reduced to `name==version` or dropped. The full pin set
    # is not installed: other plugins' settings would need platform settings the stand-in lacks.
    # Sets PINS_VENV. Reinstalls only when setup.py or the pins changed.
    local pins="${OARS_PLATFORM_PINS:-$ROOT/../shared/platform/edx-platform-base-pins.txt}" python stamp
    PINS_VENV="${OARS_PINS_VENV:-$ROOT/.venv-platform-pins}"
    [ -f "$pins" ] || { echo "platform pins not found: $pins" >&2; exit 1; }
    python="$(find_python)"
    [ -x "$PINS_VENV/bin/python" ] || { say "creating virtualenv $PINS_VENV"; "$python" -m venv "$PINS_VENV"; }
    stamp="$PINS_VENV/.oars-pins-$(cat "$ROOT/setup.py" "$pins" | sha1sum | cut -c1-12)"
    if [ ! -f "$stamp" ]; then
        say "pip: installing oars-platform[demo] under the platform's pins"
        sed -nE 's/^([A-Za-z0-9._-]+)(\[[^]]*\])?==([^ ;#]+).*/\1==\3/p' "$pins" >"$PINS_VENV/constraints.txt"
        "$PINS_VENV/bin/python" -m pip install -q --upgrade pip
        # pyarrow (the embedded engine's) below 22: the platform pins numpy 1.26, and pyarrow 22+ needs numpy 2.
        "$PINS_VENV/bin/python" -m pip install -q -c "$PINS_VENV/constraints.txt" -e "$ROOT[demo]" "pyarrow<22" \
            pytest pytest-django hypothesis
        "$PINS_VENV/bin/python" -m pip check
        touch "$stamp"
    fi
}
