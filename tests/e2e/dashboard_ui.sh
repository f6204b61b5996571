#!/usr/bin/env bash
# The /ui dashboard in headless Chromium: seed a ledger with known figures,
# start `megarouter serve`, load the page with a viewer key and check that the
# figures its JavaScript rendered match the ledger (and `megarouter spend
# --json`); save a screenshot in the test's temp dir.
# Env: MEGAROUTER_BIN (required). Installs chromium and sqlite3 with apt-get
# when missing (CI runs as root).
set -euo pipefail

bin=${MEGAROUTER_BIN:?set MEGAROUTER_BIN to the megarouter binary}
fail() { echo "dashboard_ui: FAIL: $*" >&2; exit 1; }

need() { # command, Debian package
    command -v "$1" >/dev/null 2>&1 && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null 2>&1 ||
            { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null 2>&1; } ||
            fail "cannot install $2"
    fi
    command -v "$1" >/dev/null 2>&1 || fail "$1 is needed (apt-get install $2)"
}
need chromium chromium
need sqlite3 sqlite3

work=$(mktemp -d /tmp/megarouter-dashboard.XXXXXX)
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    if [ "${KEEP_WORK:-0}" != 1 ]; then rm -rf "$work/home" "$work/chrome"; fi
}
trap cleanup EXIT
mkdir -p "$work/home" "$work/chrome"
export MEGAROUTER_HOME="$work/home" HOME="$work/home" MEGAROUTER_MASTER_KEY="mr-dashboard-test-master-key"
unset NO_COLOR || true
db="$work/home/megarouter.db"

# Create the database (runs the migrations), then seed it.
"$bin" spend --json >/dev/null || fail "megarouter spend could not create the database"
now_ms=$(( $(date +%s) * 1000 ))
sqlite3 "$db" <<SQL
INSERT INTO ledger(ts, request_id, org, dept, team, user_path, routed_model, provider, vendor, input_tokens, output_tokens, cost_nanos, baseline_nanos, status, fallback, error_code) VALUES
 ($now_ms - 5000, 'r1', 'acme', 'acme/eng', 'acme/eng/platform', 'acme/eng/platform/alice', 'gpt-4o-mini',     'openai',    'openai',    1000, 100, 1500000000, 6000000000, 200, 0, ''),
 ($now_ms - 4000, 'r2', 'acme', 'acme/eng', 'acme/eng/platform', 'acme/eng/platform/bob',   'claude-sonnet-4', 'anthropic', 'anthropic', 2000, 300, 2250000000, 4500000000, 200, 1, ''),
 ($now_ms - 3000, 'r3', 'acme', 'acme/eng', 'acme/eng/apps',     'acme/eng/apps/carol',     'gpt-4o-mini',     'openai',    'openai',     500,  50,  750000000, 3000000000, 200, 0, ''),
 ($now_ms - 2000, 'r4', 'acme', 'acme/sales', 'acme/sales/field', 'acme/sales/field/dave',  'claude-sonnet-4', 'anthropic', 'anthropic', 3000, 400, 4000000000, 8000000000, 200, 0, ''),
 ($now_ms - 1000, 'r5', 'acme', 'acme/sales', 'acme/sales/field', 'acme/sales/field/dave',  'gpt-4o-mini',     'openai',    'openai',       0,   0,          0,          0, 429, 0, 'rate_limited');
INSERT INTO gov_nodes(path, kind, parent, created_ms) VALUES ('acme', 'organisation', NULL, $now_ms), ('acme/eng', 'department', 'acme', $now_ms);
INSERT INTO gov_budgets(scope_kind, scope, period, unit, amount, created_ms) VALUES ('node', 'acme/eng', 'monthly', 'usd', 5000000000, $now_ms);
SQL
# Hand-computed: total $8.50 over 5 requests, baseline $21.50, saved $13.00;
# platform $3.75, sales/field $4.00, apps $0.75; gpt-4o-mini $2.25, claude-sonnet-4 $6.25.

json=$("$bin" spend --json --by team) || fail "megarouter spend --json failed"
cli_total=$(printf '%s' "$json" | sed -n '/^  "total": {/,/^  }/p' | grep -o '"cost_nanos": [0-9]*' | head -1 | grep -o '[0-9]*$')
[ "$cli_total" = 8500000000 ] || fail "megarouter spend total is $cli_total, expected 8500000000"

"$bin" serve --port 0 --port-file "$work/port" --access-log off >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 150); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || { cat "$work/serve.log" >&2; fail "megarouter serve did not start"; }
port=$(cat "$work/port")
base="http://127.0.0.1:$port"

chrome() {
    timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync --disable-dev-shm-usage \
        --user-data-dir="$work/chrome" --virtual-time-budget=15000 "$@" 2>>"$work/chrome.log"
}

url="$base/ui/#key=$MEGAROUTER_MASTER_KEY"
dom=$(chrome --dump-dom "$url") || fail "chromium failed: $(tail -5 "$work/chrome.log")"
printf '%s' "$dom" >"$work/dom.html"

check() { # pattern, what
    printf '%s' "$dom" | grep -q -- "$1" || fail "$2 (pattern '$1' not in the rendered page, see $work/dom.html)"
}
check 'data-ready="1"' "the page did not finish rendering"
check 'id="total-cost" class="big" data-nanos="8500000000">\$8.50<' "total cost"
check 'id="total-requests" class="big" data-value="5">5<' "request count"
check 'id="total-savings" class="big" data-nanos="13000000000">\$13.00<' "savings"
check 'data-group="acme/sales/field" data-cost-nanos="4000000000" data-requests="2"' "team acme/sales/field"
check 'data-group="acme/eng/platform" data-cost-nanos="3750000000" data-requests="2"' "team acme/eng/platform"
check 'data-group="acme/eng/apps" data-cost-nanos="750000000" data-requests="1"' "team acme/eng/apps"
check 'data-group="claude-sonnet-4" data-cost-nanos="6250000000"' "model claude-sonnet-4"
check 'data-group="gpt-4o-mini" data-cost-nanos="2250000000"' "model gpt-4o-mini"
check 'data-budget="acme/eng" data-spent="0"' "the acme/eng budget"

# Without a key the page asks for one and shows no figures.
nokey=$(chrome --dump-dom "$base/ui/") || fail "chromium failed without a key"
printf '%s' "$nokey" | grep -q 'id="login">' || fail "the login form is not shown without a key"

chrome --screenshot="$work/dashboard.png" --window-size=1280,1700 "$url" >/dev/null || fail "screenshot failed"
[ -s "$work/dashboard.png" ] || fail "no screenshot written"
echo "dashboard_ui: ok (screenshot: $work/dashboard.png)"
