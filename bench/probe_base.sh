#!/usr/bin/env bash
# Run a bench.scale_probe probe against another version (its migrations, functions and
# runner, taken from git), with this checkout's probe: the "before" of a before/after.
#   bash bench/probe_base.sh <git-ref> <probe> [probe args...]
# The ref is exported to a temporary directory (git archive), and the probe uses this
# checkout's embedded cluster (or DATABASE_URL).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
ref=$1; shift
dir=$(mktemp -d /tmp/probe-base-XXXXXX)
trap 'rm -rf "$dir"' EXIT
git -C "$here" archive "$ref" migrations functions cron runner | tar -x -C "$dir"
url=${DATABASE_URL:-$("$here/.venv/bin/conveyor" db url)}
cd "$here"
DATABASE_URL=$url CONVEYOR_HOME=$dir PYTHONPATH="$dir/runner:$here" "$here/.venv/bin/python" -m bench.scale_probe "$@"
