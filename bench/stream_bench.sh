#!/usr/bin/env bash
# Many long streams through one gateway on one core (issue 17): N concurrent
# streamed chat completions of CHUNKS chunks INTERVAL_MS apart, first straight
# to the upstream, then through `megarouter serve` pinned to CPU 0 (the
# upstream and the clients, bench_stream_load, on CPU 1). Reports, for both:
# streams completed, time to first content byte p50/p99/max, the slowest
# stream; and for the gateway: CPU seconds used during the run (utime+stime
# from /proc), CPU per relayed chunk, and peak resident memory.
#
# Governed by default, as a team runs it: a member's key on every request, a
# monthly budget on the org, the ledger on. --no-governance runs keyless.
#
# --ramp-s S opens the streams evenly over S seconds (default 0: 500 every
# 10 ms, a burst); with S equal to a stream's length (20 s) new streams
# arrive at a steady rate and N are open at once when the first ones end.
#
# Usage: bench/stream_bench.sh [--streams 10000] [--chunks 100] [--interval-ms 200] [--ramp-s 0] [--no-governance]
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
MEGAROUTER="${MEGAROUTER_BIN:-$BUILD_DIR/megarouter}"
STREAMS=10000
CHUNKS=100
INTERVAL_MS=200
GOVERNED=1
RAMP_S=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --streams) STREAMS="$2"; shift 2 ;;
    --chunks) CHUNKS="$2"; shift 2 ;;
    --interval-ms) INTERVAL_MS="$2"; shift 2 ;;
    --ramp-s) RAMP_S="$2"; shift 2 ;;
    --no-governance) GOVERNED=0; shift ;;
    -h|--help) sed -n 2,19p "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 64 ;;
  esac
done
ninja -C "$BUILD_DIR" bench_stream_load >/dev/null
LOAD="$BUILD_DIR/bench_stream_load"
# Each stream takes a descriptor in the client, two in the gateway and one in
# the upstream.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
(( $(ulimit -n) >= 2 * STREAMS + 100 )) || { echo "stream_bench: ulimit -n $(ulimit -n) is too low for $STREAMS streams" >&2; exit 69; }

WORK="$(mktemp -d /tmp/megarouter-streams-XXXXXX)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
wait_file() { for _ in $(seq 1 200); do [[ -s "$1" ]] && return 0; sleep 0.05; done; echo "timeout waiting for $1" >&2; return 1; }
cpu_ticks() { awk '{print $14, $15}' "/proc/$1/stat"; } # user, system
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
SECONDS_PER_STREAM=$(( CHUNKS * INTERVAL_MS / 1000 ))
TIMEOUT=$(( SECONDS_PER_STREAM * 4 + 60 + RAMP_S ))
# New connections per 10 ms.
RAMP=500
(( RAMP_S > 0 )) && RAMP=$(( (STREAMS + RAMP_S * 100 - 1) / (RAMP_S * 100) ))

taskset -c 1 "$LOAD" upstream "$WORK/up.port" "$CHUNKS" "$INTERVAL_MS" >"$WORK/up.log" 2>&1 &
PIDS+=($!)
wait_file "$WORK/up.port"
UP="127.0.0.1:$(cat "$WORK/up.port")"

cat >"$WORK/gw.toml" <<TOML
[server]
threads = 1
max_concurrent = $(( STREAMS + 100 ))
max_connections = $(( STREAMS + 1000 ))
idle_stream_timeout_s = 60
request_timeout_s = $TIMEOUT
[providers.openai]
base_url = "http://$UP/v1"
api_key = "bench-key"
TOML
HOME_DIR="$WORK/home"
mkdir -p "$HOME_DIR"
CLI=(env MEGAROUTER_HOME="$HOME_DIR" "$MEGAROUTER" --config "$WORK/gw.toml")
KEY="bench"
FLAGS=(--no-governance)
CONFIGURATION="keyless (--no-governance)"
if [[ "$GOVERNED" == 1 ]]; then
  source "$ROOT/bench/member_key.sh"
  KEY="$(member_key "${CLI[@]}")"
  FLAGS=()
  CONFIGURATION="governed (member key, org budget, ledger on)"
fi
echo "stream_bench: $STREAMS streams x $CHUNKS chunks, ${INTERVAL_MS} ms apart, opened $RAMP per 10 ms; gateway $CONFIGURATION, one core; commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"

echo "direct:  $(taskset -c 1 "$LOAD" clients "$UP" "$STREAMS" gpt-4o-mini bench "$TIMEOUT" "$RAMP" || true)"

MEGAROUTER_HOME="$HOME_DIR" taskset -c 0 "$MEGAROUTER" --config "$WORK/gw.toml" serve --port 0 \
  --port-file "$WORK/gw.port" --access-log off "${FLAGS[@]}" >"$WORK/gw.log" 2>&1 &
GW_PID=$!
PIDS+=("$GW_PID")
wait_file "$WORK/gw.port"
GW="127.0.0.1:$(cat "$WORK/gw.port")"
sleep 0.5
IDLE=$(rss_kib "$GW_PID")
BEFORE=$(cpu_ticks "$GW_PID")
taskset -c 1 "$LOAD" clients "$GW" "$STREAMS" gpt-4o-mini "$KEY" "$TIMEOUT" "$RAMP" >"$WORK/gw.json" &
CLIENTS=$!
PEAK=0
while kill -0 "$CLIENTS" 2>/dev/null; do
  r=$(rss_kib "$GW_PID"); (( r > PEAK )) && PEAK=$r
  sleep 0.5
done
wait "$CLIENTS" || true
AFTER=$(cpu_ticks "$GW_PID")
echo "gateway: $(cat "$WORK/gw.json")"
TICK=$(getconf CLK_TCK)
python3 - "$WORK/gw.json" "$BEFORE" "$AFTER" "$TICK" "$IDLE" "$PEAK" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))
before, after, tick = sys.argv[2].split(), sys.argv[3].split(), int(sys.argv[4])
user = (int(after[0]) - int(before[0])) / tick
system = (int(after[1]) - int(before[1])) / tick
chunks = max(run["chunks"], 1)
print(f"gateway CPU: {user + system:.1f} s ({user:.1f} user, {system:.1f} system) for {run['chunks']:,} relayed chunks "
      f"= {(user + system) / chunks * 1e6:.1f} us per chunk ({user / chunks * 1e6:.1f} user); "
      f"RSS idle {int(sys.argv[5]) // 1024} MB, peak {int(sys.argv[6]) // 1024} MB")
PY
