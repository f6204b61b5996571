#!/usr/bin/env bash
# A real Prometheus (Debian's prometheus package) scrapes `megarouter serve`
# every second, with keys enforced (it sends a key as a bearer token), while
# traffic goes through the proxy to megarouter-mock; the request and token
# counters are then read back through Prometheus' HTTP query API.
# Env: MEGAROUTER_BIN, MEGAROUTER_MOCK_BIN (required). Prints "N passed, N failed".
set -euo pipefail

bin=${MEGAROUTER_BIN:?set MEGAROUTER_BIN to the megarouter binary}
mock=${MEGAROUTER_MOCK_BIN:?set MEGAROUTER_MOCK_BIN to the megarouter-mock binary}
fail() { echo "prometheus: FAIL: $*" >&2; exit 1; }
# A command that fails under set -e says which, with the servers' logs.
on_error() {
    echo "prometheus: FAIL: line $1: $2 (exit $3)" >&2
    for log in "${work:-/nonexistent}"/*.log; do [ -f "$log" ] && { echo "--- $log" >&2; tail -n 20 "$log" >&2; }; done
}
trap 'on_error $LINENO "$BASH_COMMAND" $?' ERR
command -v prometheus >/dev/null 2>&1 || fail "prometheus is needed (scripts/install-deps --test installs it)"
command -v python3 >/dev/null 2>&1 || fail "python3 is needed (scripts/install-deps --test installs it)"

work=$(mktemp -d /tmp/megarouter-prometheus.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    [ "${KEEP_WORK:-0}" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
export MEGAROUTER_HOME="$work/home" HOME="$work/home"
mkdir -p "$work/home"

wait_for_file() { # file, tenths of a second
    for _ in $(seq 1 "$2"); do [ -s "$1" ] && return 0; sleep 0.1; done
    return 1
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

"$mock" --port 0 --port-file "$work/mock.port" >"$work/mock.log" 2>&1 &
pids+=($!)
# Generous waits: under ctest -j2 beside the coding-agent tests a start can be slow.
wait_for_file "$work/mock.port" 300 || { cat "$work/mock.log" >&2; fail "the mock did not start within 30 s"; }
mock_port=$(cat "$work/mock.port")
cat >"$work/home/config.toml" <<TOML
[providers.openai]
base_url = "http://127.0.0.1:$mock_port/v1"
api_key = "mock-openai"
TOML
"$bin" org create acme >/dev/null
"$bin" dept create acme/eng >/dev/null
"$bin" team create acme/eng/platform >/dev/null
"$bin" user create acme/eng/platform/alice >/dev/null
key=$("$bin" keys create acme/eng/platform/alice --json | sed -n 's/.*"key": *"\(mr-[A-Za-z0-9]*\)".*/\1/p')
[ -n "$key" ] || fail "could not create a key"

"$bin" serve --port 0 --port-file "$work/proxy.port" >"$work/serve.log" 2>&1 &
pids+=($!)
wait_for_file "$work/proxy.port" 300 || { cat "$work/serve.log" >&2; fail "megarouter serve did not start within 30 s"; }
proxy_port=$(cat "$work/proxy.port")

# Keys are on: /metrics wants one, as Prometheus' authorization setting sends it.
status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$proxy_port/metrics")
[ "$status" = 401 ] || fail "/metrics without a key answered $status, not 401"

prom_port=$(free_port)
printf '%s' "$key" >"$work/key"
cat >"$work/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: megarouter
    authorization:
      credentials_file: $work/key
    static_configs:
      - targets: ["127.0.0.1:$proxy_port"]
YAML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
    --web.listen-address="127.0.0.1:$prom_port" >"$work/prometheus.log" 2>&1 &
pids+=($!)

for i in 1 2 3; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $key" -H 'content-type: application/json' \
        -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello"}]}' \
        "http://127.0.0.1:$proxy_port/v1/chat/completions")
    [ "$code" = 200 ] || { tail -n 20 "$work/serve.log" >&2; fail "request $i through the proxy answered $code"; }
done

# query PROMQL: the first sample's value, or "" while Prometheus has none
# (also while it is still starting and refuses the connection: under
# pipefail curl's failure would otherwise end the script without a word).
query() {
    { curl -s --get --data-urlencode "query=$1" "http://127.0.0.1:$prom_port/api/v1/query" || true; } |
        python3 -c 'import json,sys
try:
    r = json.load(sys.stdin)["data"]["result"]
    print(r[0]["value"][1] if r else "")
except Exception:
    print("")'
}

passed=0
failed=0
expect() { # name, promql, expected value; waits up to 30 s for Prometheus to have it
    local value=""
    for _ in $(seq 1 60); do
        value=$(query "$2")
        [ "$value" = "$3" ] && break
        sleep 0.5
    done
    if [ "$value" = "$3" ]; then
        echo "ok: $1 = $value"
        passed=$((passed + 1))
    else
        echo "FAIL: $1: Prometheus has '$value', expected '$3'" >&2
        tail -n 5 "$work/prometheus.log" >&2
        failed=$((failed + 1))
    fi
}
expect "the scrape target is up" 'up{job="megarouter"}' 1
expect "requests counted" \
    'sum(megarouter_requests_total{endpoint="/v1/chat/completions",model="gpt-4o-mini",provider="openai",status_class="2xx"})' 3
expect "output tokens counted (5 per mock answer)" \
    'sum(megarouter_tokens_total{model="gpt-4o-mini",type="output"})' 15
expect "overhead histogram has every request" 'sum(megarouter_overhead_seconds_count{endpoint="/v1/chat/completions"})' 3

echo "prometheus: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
