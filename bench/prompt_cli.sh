#!/usr/bin/env bash
# Wall time of `megarouter prompt` against the zero-latency mock provider:
# the CLI's own overhead (start-up, config, catalog, routing, HTTP, SQLite log).
# Usage: bench/prompt_cli.sh [BUILD_DIR] [RUNS]   (target: under 30 ms)
set -euo pipefail
build=${1:-build}
runs=${2:-50}
bin=$build/megarouter
mock=$build/megarouter-mock
home=$(mktemp -d)
trap 'kill $mock_pid 2>/dev/null || true; rm -rf "$home"' EXIT

"$mock" --port 0 --port-file "$home/port" >/dev/null 2>&1 &
mock_pid=$!
for _ in $(seq 100); do [[ -s $home/port ]] && break; sleep 0.05; done
port=$(cat "$home/port")
cat >"$home/config.toml" <<TOML
[providers.openai]
base_url = "http://127.0.0.1:$port/v1"
api_key = "test"
TOML
export MEGAROUTER_HOME=$home

measure() { # $1 label, rest: args
    local label=$1; shift
    "$bin" prompt "$@" </dev/null >/dev/null # warm-up (creates the database)
    local times=()
    for _ in $(seq "$runs"); do
        local start end
        start=$(date +%s%N)
        "$bin" prompt "$@" </dev/null >/dev/null
        end=$(date +%s%N)
        times+=($(((end - start) / 1000)))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk -v label="$label" '
        { t[NR] = $1 } END {
            printf "%-28s runs=%d  median=%.1f ms  p90=%.1f ms  min=%.1f ms\n", label, NR,
                   t[int(NR/2)+1]/1000, t[int(NR*0.9)]/1000, t[1]/1000 }'
}

measure "prompt (stream, logged)" -m gpt-4o-mini "hello"
measure "prompt --no-stream --no-log" -m gpt-4o-mini --no-stream --no-log "hello"
measure "prompt -m auto" "hello"
