#!/usr/bin/env bash
# End-to-end with the official SDKs from npm (`openai`, `@anthropic-ai/sdk`):
# starts megarouter-mock and `megarouter serve` on free ports, then runs
# tests/e2e/node/sdk.test.mjs with node's test runner. Installs the SDKs into
# tests/e2e/node/node_modules when missing; fails (never skips) if it cannot.
set -euo pipefail
NAME=sdk_clients
source "$(dirname "$0")/lib/npm_clients.bash"
NODE_DIR="$SOURCE_DIR/tests/e2e/node"
npm_install "$NODE_DIR" node_modules/openai node_modules/@anthropic-ai/sdk
start_mock
behave() { # model, behavior JSON
  curl -sf -X POST "$MOCK/_mock/behavior" -d "{\"model\":\"$1\",\"behavior\":$2}" >/dev/null ||
    die "cannot set the mock's behavior for $1"
}
TOOL='{"tool_call":true,"tool_arguments":"{\"city\":\"Paris\"}"}'
behave gpt-4.1-mini "$TOOL"
behave claude-sonnet-4-5 "$TOOL"
behave gpt-4o '{"cut_after_chunks":1,"chunks":4}'

write_proxy_config "[server]
request_timeout_s = 30"
start_proxy
export PROXY_URL="$PROXY"

cd "$NODE_DIR"
if ! node --test --test-reporter=spec sdk.test.mjs; then
  echo "--- megarouter serve log ---" >&2; cat "$WORK/serve.log" >&2
  echo "--- access log ---" >&2; cat "$WORK/access.log" >&2
  exit 1
fi
