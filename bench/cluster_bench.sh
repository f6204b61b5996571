#!/usr/bin/env bash
# Gateways sharing one PostgreSQL store, behind nginx, as a team runs them
# (issue 15): PostgreSQL from tests/pg/server.sh (initdb + pg_ctl in a
# temporary folder, Unix socket), the mock provider at 0 ms, N `megarouter
# serve` replicas (governed: a member's key on every request, a monthly org
# budget of $1,000,000, the ledger on; [server] threads = 1 each) and nginx
# (least_conn, keepalive) in front. Nothing is pinned: on a small machine the
# replicas, PostgreSQL, nginx, wrk and the mock share the cores, and the
# figures say so.
#
# Reports:
#   - saturation: wrk at --connections (default 64) through nginx for
#     --duration seconds: requests/s, and per replica the requests it
#     answered (its megarouter_requests_total), its CPU seconds (utime +
#     stime from /proc) and CPU per request; PostgreSQL's CPU likewise
#   - a fixed rate (--rate, default 5000 requests/s: 50 connections, each
#     pausing 0.85 x 50,000/rate ms between requests with wrk's delay()):
#     the rate reached and the budget lease claims per replica per second
#     (megarouter_budget_lease_claims_total: claims, renewals, resizes and
#     give-backs)
#
# Usage: bench/cluster_bench.sh [--replicas N] [--duration S] [--connections C] [--rate R]
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
MEGAROUTER="${MEGAROUTER_BIN:-$BUILD_DIR/megarouter}"
MOCK_BIN="${MEGAROUTER_MOCK_BIN:-$BUILD_DIR/megarouter-mock}"
REPLICAS=3
DURATION=10
CONNECTIONS=64
RATE=5000
while [[ $# -gt 0 ]]; do
  case "$1" in
    --replicas) REPLICAS="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --rate) RATE="$2"; shift 2 ;;
    -h|--help) sed -n 2,24p "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 64 ;;
  esac
done
command -v wrk >/dev/null || { echo "cluster_bench: wrk is required (apt-get install wrk)" >&2; exit 69; }
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[[ -x "$NGINX" ]] || { echo "cluster_bench: nginx is required (apt-get install nginx-light)" >&2; exit 69; }

WORK="$(mktemp -d /tmp/megarouter-cluster-bench-XXXXXX)"
chmod 755 "$WORK"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [[ -f "$WORK/nginx.pid" ]] && "$NGINX" -p "$WORK" -c "$WORK/nginx.conf" -s stop 2>/dev/null || true
  "$ROOT/tests/pg/server.sh" stop "$WORK/pg" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
wait_file() { for _ in $(seq 1 200); do [[ -s "$1" ]] && return 0; sleep 0.05; done; echo "timeout waiting for $1" >&2; return 1; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
HZ="$(getconf CLK_TCK)"

"$ROOT/tests/pg/server.sh" start "$WORK/pg" >/dev/null
URL="$("$ROOT/tests/pg/server.sh" createdb "$WORK/pg" megarouter)"
PG_DIR="$(cat "$WORK/pg/dir")"
PG_PID="$(head -1 "$PG_DIR/data/postmaster.pid")"

"$MOCK_BIN" --port 0 --port-file "$WORK/mock.port" >"$WORK/mock.log" 2>&1 &
PIDS+=($!)
wait_file "$WORK/mock.port"
MOCK="http://127.0.0.1:$(cat "$WORK/mock.port")"

export MEGAROUTER_HOME="$WORK/home"
mkdir -p "$MEGAROUTER_HOME"
cat >"$MEGAROUTER_HOME/config.toml" <<TOML
[server]
max_concurrent = 4096
threads = 1
[store]
url = "$URL"
[providers.openai]
base_url = "$MOCK/v1"
api_key = "mock-key"
TOML
source "$ROOT/bench/member_key.sh"
KEY="$(member_key "$MEGAROUTER")"

GW_PIDS=()
PORTS=()
for n in $(seq 1 "$REPLICAS"); do
  "$MEGAROUTER" serve --port 0 --port-file "$WORK/gw$n.port" --access-log off >"$WORK/gw$n.log" 2>&1 &
  GW_PIDS+=($!)
  PIDS+=($!)
  wait_file "$WORK/gw$n.port"
  PORTS+=("$(cat "$WORK/gw$n.port")")
done

LB_PORT="$(free_port)"
{
  echo "worker_processes 1; pid $WORK/nginx.pid; error_log $WORK/nginx-error.log;"
  echo "events { worker_connections 4096; }"
  echo "http { access_log off; client_body_temp_path $WORK/nginx-body; proxy_temp_path $WORK/nginx-proxy;"
  echo "  upstream megarouter { least_conn;"
  for p in "${PORTS[@]}"; do echo "    server 127.0.0.1:$p;"; done
  echo "    keepalive 128; }"
  echo "  server { listen 127.0.0.1:$LB_PORT;"
  echo "    location / { proxy_pass http://megarouter; proxy_http_version 1.1; proxy_set_header Connection \"\";"
  echo "      proxy_set_header Host localhost; } } }"
} >"$WORK/nginx.conf"
"$NGINX" -p "$WORK" -c "$WORK/nginx.conf"
LB="http://127.0.0.1:$LB_PORT"
probe() { # base -> HTTP status of one request
  curl -s -o "$WORK/probe.out" -w '%{http_code}' -H 'Content-Type: application/json' -H "Authorization: Bearer $KEY" \
    -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello"}],"max_tokens":16}' "$1/v1/chat/completions"
}
for base in "$LB" "http://127.0.0.1:${PORTS[0]}"; do
  status="$(probe "$base")"
  [[ "$status" == 200 ]] || { echo "cluster_bench: $base answered $status: $(cat "$WORK/probe.out")" >&2; cat "$WORK/gw1.log" >&2; exit 1; }
done

cat >"$WORK/chat.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $KEY"
wrk.body = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello"}],"max_tokens":16}'
LUA
# 50 connections, each pausing before its next request; the pause leaves 15%
# of each connection's period for the request itself (about 1.5 ms here).
PAUSE_MS="$(awk -v r="$RATE" 'BEGIN {printf "%.3f", 0.85 * 50 * 1000 / r}')"
{ cat "$WORK/chat.lua"; echo "function delay() return $PAUSE_MS end"; } >"$WORK/rate.lua"

metric() { # port, name -> the sum of the metric's samples
  curl -s -H "Authorization: Bearer $KEY" "http://127.0.0.1:$1/metrics" |
    awk -v name="$2" '$1 == name || index($1, name "{") == 1 {s += $2} END {printf "%.0f\n", s}'
}
snapshot() { # -> "requests cpu_ticks claims" per replica, then PostgreSQL's cpu ticks
  local i
  for i in "${!GW_PIDS[@]}"; do
    echo "$(metric "${PORTS[$i]}" megarouter_requests_total) $(cpu_ticks "${GW_PIDS[$i]}") $(metric "${PORTS[$i]}" megarouter_budget_lease_claims_total)"
  done
  echo "pg $(for p in $(pgrep -P "$PG_PID") "$PG_PID"; do cpu_ticks "$p" 2>/dev/null || echo 0; done | awk '{s += $1} END {print s}')"
}

echo "# megarouter cluster benchmark: $REPLICAS replica(s) on one PostgreSQL 15 store, nginx (least_conn) in front;"
echo "# governed (member key, org budget \$1,000,000/month, ledger on), [server] threads = 1 per replica; $(nproc) cores, nothing pinned"
wrk -t2 -c16 -d2s -s "$WORK/chat.lua" "$LB/v1/chat/completions" >/dev/null # warm up: connections, leases

report() { # title, before-file, after-file, seconds, wrk output
  local title="$1" before="$2" after="$3" seconds="$4" out="$5"
  local rps errors
  rps="$(awk '$1=="Requests/sec:" {print $2}' <<<"$out")"
  errors="$(grep -E "Non-2xx|Socket errors" <<<"$out" || true)"
  echo "$title: $(printf '%.0f' "$rps") requests/s through nginx (wrk: $(awk '$1=="50%" {p50=$2} $1=="99%" {p99=$2} END {print "p50 " p50 ", p99 " p99}' <<<"$out"))${errors:+; $errors}"
  paste -d' ' <(head -n "$REPLICAS" "$before") <(head -n "$REPLICAS" "$after") | awk -v hz="$HZ" -v s="$seconds" '{
      req = $4 - $1; cpu = ($5 - $2) / hz; claims = $6 - $3
      printf "  replica %d: %d requests (%.0f/s), CPU %.2f s (%.0f%% of a core), %.1f us CPU per request, %d lease claims (%.2f/s)\n",
             NR, req, req / s, cpu, 100 * cpu / s, (req > 0 ? 1e6 * cpu / req : 0), claims, claims / s }'
  paste -d' ' <(tail -1 "$before") <(tail -1 "$after") | awk -v hz="$HZ" -v s="$seconds" '{
      printf "  PostgreSQL: CPU %.2f s (%.0f%% of a core)\n", ($4 - $2) / hz, 100 * ($4 - $2) / hz / s }'
}

snapshot >"$WORK/s0"
OUT="$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$WORK/chat.lua" "$LB/v1/chat/completions")"
snapshot >"$WORK/s1"
report "saturation, c=$CONNECTIONS, ${DURATION}s" "$WORK/s0" "$WORK/s1" "$DURATION" "$OUT"

sleep 1
snapshot >"$WORK/s2"
OUT="$(wrk -t2 -c50 -d"${DURATION}s" --latency -s "$WORK/rate.lua" "$LB/v1/chat/completions")"
snapshot >"$WORK/s3"
report "fixed rate, aiming at $RATE/s (50 connections, ${PAUSE_MS} ms pause each), ${DURATION}s" "$WORK/s2" "$WORK/s3" "$DURATION" "$OUT"

# Every answered request is in the shared ledger once.
for p in "${GW_PIDS[@]}"; do kill -TERM "$p"; done
for p in "${GW_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
psql "$URL" -qAtc "SELECT 'ledger rows: ' || COUNT(*) || ', duplicates: ' || (COUNT(*) - COUNT(DISTINCT request_id)) FROM ledger"
