#!/usr/bin/env bash
# End-to-end with the official SDKs from npm (`openai`, `@anthropic-ai/sdk`):
# starts megarouter-mock and `megarouter serve` on free ports, then runs
# tests/e2e/node/sdk.test.mjs with node's test runner. Installs the SDKs into
# tests/e2e/node/node_modules when missing; fails (never skips) if it cannot.
set -euo pipefail

: "${MEGAROUTER_BIN:?set MEGAROUTER_BIN to the megarouter binary}"
: "${MEGAROUTER_MOCK_BIN:?set MEGAROUTER_MOCK_BIN to the megarouter-mock binary}"
SOURCE_DIR="${MEGAROUTER_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
NODE_DIR="$SOURCE_DIR/tests/e2e/node"

command -v node >/dev/null || { echo "sdk_clients: FAIL: node is not installed (node >= 18; scripts/install-deps --test installs it)" >&2; exit 1; }
command -v npm >/dev/null || { echo "sdk_clients: FAIL: npm is not installed" >&2; exit 1; }
if [[ ! -d "$NODE_DIR/node_modules/openai" || ! -d "$NODE_DIR/node_modules/@anthropic-ai/sdk" ]]; then
  echo "sdk_clients: installing the SDKs with npm into $NODE_DIR/node_modules" >&2
  ( cd "$NODE_DIR" && { [[ -f package-lock.json ]] && npm ci --no-audit --no-fund || npm install --no-audit --no-fund; } ) >&2 ||
    { echo "sdk_clients: FAIL: npm could not install openai and @anthropic-ai/sdk (is the npm registry reachable?)" >&2; exit 1; }
fi

WORK="$(mktemp -d /tmp/megarouter-sdk-XXXXXX)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

wait_for_file() { # file, seconds
  for _ in $(seq 1 $(( $2 * 20 ))); do [[ -s "$1" ]] && return 0; sleep 0.05; done
  return 1
}

"$MEGAROUTER_MOCK_BIN" --port 0 --port-file "$WORK/mock.port" >"$WORK/mock.log" 2>&1 &
PIDS+=($!)
wait_for_file "$WORK/mock.port" 10 || { echo "sdk_clients: FAIL: the mock did not start" >&2; cat "$WORK/mock.log" >&2; exit 1; }
MOCK="http://127.0.0.1:$(cat "$WORK/mock.port")"
behave() { # model, behavior JSON
  curl -sf -X POST "$MOCK/_mock/behavior" -d "{\"model\":\"$1\",\"behavior\":$2}" >/dev/null ||
    { echo "sdk_clients: FAIL: cannot set the mock's behavior for $1" >&2; exit 1; }
}
TOOL='{"tool_call":true,"tool_arguments":"{\"city\":\"Paris\"}"}'
behave gpt-4.1-mini "$TOOL"
behave claude-sonnet-4-5 "$TOOL"
behave gpt-4o '{"cut_after_chunks":1,"chunks":4}'

export MEGAROUTER_HOME="$WORK/home"
mkdir -p "$MEGAROUTER_HOME"
cat >"$MEGAROUTER_HOME/config.toml" <<TOML
[server]
request_timeout_s = 30

[providers.openai]
base_url = "$MOCK/v1"
api_key = "mock-key"

[providers.anthropic]
base_url = "$MOCK"
api_key = "mock-key"
TOML
unset OPENAI_API_KEY ANTHROPIC_API_KEY OPENAI_BASE_URL ANTHROPIC_BASE_URL || true

"$MEGAROUTER_BIN" serve --port 0 --port-file "$WORK/proxy.port" --access-log "$WORK/access.log" >"$WORK/serve.log" 2>&1 &
PIDS+=($!)
wait_for_file "$WORK/proxy.port" 10 || { echo "sdk_clients: FAIL: megarouter serve did not start" >&2; cat "$WORK/serve.log" >&2; exit 1; }
export PROXY_URL="http://127.0.0.1:$(cat "$WORK/proxy.port")"

cd "$NODE_DIR"
if ! node --test --test-reporter=spec sdk.test.mjs; then
  echo "--- megarouter serve log ---" >&2; cat "$WORK/serve.log" >&2
  echo "--- access log ---" >&2; cat "$WORK/access.log" >&2
  exit 1
fi
