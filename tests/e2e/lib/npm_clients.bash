# Sourced by the e2e scripts that drive real clients from npm against
# `megarouter serve` (sdk_clients.sh, coding_agents.sh): the npm install,
# a work folder cleaned up on exit, and the mock and proxy on free ports.
# The sourcing script sets NAME (its prefix in messages) first.

: "${MEGAROUTER_BIN:?set MEGAROUTER_BIN to the megarouter binary}"
: "${MEGAROUTER_MOCK_BIN:?set MEGAROUTER_MOCK_BIN to the megarouter-mock binary}"
SOURCE_DIR="${MEGAROUTER_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}"

die() { echo "$NAME: FAIL: $*" >&2; exit 1; }

# npm_install DIR PATH...: `npm ci` in DIR unless every PATH (relative to
# DIR) exists. Fails, never skips, when node, npm or the registry is missing.
npm_install() {
  local dir="$1" missing=0 path
  shift
  command -v node >/dev/null || die "node is not installed (node >= 18; scripts/install-deps --test installs it)"
  command -v npm >/dev/null || die "npm is not installed"
  for path in "$@"; do [[ -e "$dir/$path" ]] || missing=1; done
  [[ $missing == 0 ]] && return 0
  echo "$NAME: installing with npm into $dir/node_modules" >&2
  ( cd "$dir" && npm ci --no-audit --no-fund ) >&2 || die "npm could not install into $dir (is the npm registry reachable?)"
}

WORK="$(mktemp -d "/tmp/megarouter-$NAME-XXXXXX")"
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

# Starts megarouter-mock; sets MOCK to its base URL.
start_mock() {
  "$MEGAROUTER_MOCK_BIN" --port 0 --port-file "$WORK/mock.port" >"$WORK/mock.log" 2>&1 &
  PIDS+=($!)
  wait_for_file "$WORK/mock.port" 10 || { cat "$WORK/mock.log" >&2; die "the mock did not start"; }
  MOCK="http://127.0.0.1:$(cat "$WORK/mock.port")"
}

# Writes a MEGAROUTER_HOME whose openai and anthropic providers are the mock,
# with EXTRA_TOML (optional) in front, and clears the clients' variables.
write_proxy_config() { # [extra toml]
  export MEGAROUTER_HOME="$WORK/megarouter"
  mkdir -p "$MEGAROUTER_HOME"
  cat >"$MEGAROUTER_HOME/config.toml" <<TOML
${1:-}
[providers.openai]
base_url = "$MOCK/v1"
api_key = "mock-key"

[providers.anthropic]
base_url = "$MOCK"
api_key = "mock-key"
TOML
  unset OPENAI_API_KEY ANTHROPIC_API_KEY OPENAI_BASE_URL ANTHROPIC_BASE_URL ANTHROPIC_AUTH_TOKEN || true
}

# Starts `megarouter serve` (extra arguments passed on) with its access log in
# $WORK/access.log; sets PROXY to its base URL.
start_proxy() {
  "$MEGAROUTER_BIN" serve --port 0 --port-file "$WORK/proxy.port" --access-log "$WORK/access.log" "$@" \
    >"$WORK/serve.log" 2>&1 &
  PIDS+=($!)
  wait_for_file "$WORK/proxy.port" 10 || { cat "$WORK/serve.log" >&2; die "megarouter serve did not start"; }
  PROXY="http://127.0.0.1:$(cat "$WORK/proxy.port")"
}
