#!/usr/bin/env bash
# Install oars-platform with the embedded ClickHouse engine and run the demo (no ClickHouse server needed).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_venv demo
ensure_redis
"$VENV/bin/python" "$ROOT/scripts/demo.py" "$@"
