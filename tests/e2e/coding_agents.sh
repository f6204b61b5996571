#!/usr/bin/env bash
# End-to-end with the coding agents from npm, pointed at `megarouter serve`
# in front of megarouter-mock: Claude Code (`claude -p`, Anthropic messages,
# always streaming) and Codex (`codex exec`, Responses API, always
# streaming), each once with a model of its own vendor (passed through) and
# once with the other vendor's (translated), once each with a model newer than
# the catalog (passed through by its naming), all with keys enforced, plus an
# unknown key refused. Installs the pinned agents into
# tests/e2e/agents/node_modules when missing; fails (never skips) if it
# cannot. Prints "N passed, N failed".
set -euo pipefail
NAME=coding_agents
source "$(dirname "$0")/lib/npm_clients.bash"
AGENTS_DIR="$SOURCE_DIR/tests/e2e/agents"
CLAUDE="$AGENTS_DIR/node_modules/.bin/claude"
CODEX="$AGENTS_DIR/node_modules/.bin/codex"
LIMIT_S=120 # per agent run; both retry on errors, so a broken proxy shows as a timeout
npm_install "$AGENTS_DIR" node_modules/.bin/claude node_modules/.bin/codex
start_mock
write_proxy_config
# A key exists, so the proxy enforces keys: the agents send it as x-api-key
# (Claude Code) and Authorization: Bearer (Codex).
for node in acme acme/eng acme/eng/platform; do
  kind=org; [[ $node == */* ]] && kind=dept; [[ $node == */*/* ]] && kind=team
  "$MEGAROUTER_BIN" "$kind" create "$node" >/dev/null
done
"$MEGAROUTER_BIN" user create acme/eng/platform/alice >/dev/null
KEY="$("$MEGAROUTER_BIN" keys create acme/eng/platform/alice --json | sed -n 's/.*"key": *"\(mr-[A-Za-z0-9]*\)".*/\1/p')"
[[ -n "$KEY" ]] || die "could not create a key"
start_proxy --access-log-json

# Agents keep their state under HOME / CODEX_HOME: temporary, and offline.
mkdir -p "$WORK/home" "$WORK/codex" "$WORK/project"
cat >"$WORK/codex/config.toml" <<TOML
model = "gpt-4o-mini"
model_provider = "megarouter"

[model_providers.megarouter]
name = "megarouter"
base_url = "$PROXY/v1"
wire_api = "responses"
env_key = "MEGAROUTER_KEY"

[analytics]
enabled = false

[features]
plugins = false
TOML

# The same without a `model` line: Codex asks for its own default model
# (gpt-6.2-sol in 0.171), newer than the catalog, so it passes through.
mkdir -p "$WORK/codex-default"
grep -v '^model = ' "$WORK/codex/config.toml" >"$WORK/codex-default/config.toml"

passed=0
failed=0
# check NAME OUTPUT-FILE MODEL PROVIDER ENDPOINT: the agent printed the mock's
# answer from MODEL, and the proxy's access log has that request, answered
# 200 by PROVIDER at ENDPOINT.
check() {
  local name="$1" out="$2" model="$3" provider="$4" endpoint="$5" why=""
  grep -q "Mock answer from $model" "$out" || why="the agent did not print the mock's answer from $model"
  if [[ -z "$why" ]] && ! grep -q "\"key_id\":\"key_.*\"model\":\"$model\".*\"path\":\"$endpoint\".*\"provider\":\"$provider\".*\"status\":200" "$WORK/access.log"; then
    why="no 200 from $provider for $model at $endpoint with alice's key in the access log"
  fi
  if [[ -z "$why" ]]; then
    echo "ok: $name"
    passed=$((passed + 1))
  else
    echo "FAIL: $name: $why" >&2
    echo "--- agent output ---" >&2; tail -c 2000 "$out" >&2
    echo "--- access log ---" >&2; tail -n 5 "$WORK/access.log" >&2
    failed=$((failed + 1))
  fi
}

claude_run() { # model, output file[, key]
  ( cd "$WORK/project" && HOME="$WORK/home" ANTHROPIC_BASE_URL="$PROXY" ANTHROPIC_API_KEY="${3:-$KEY}" \
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 DISABLE_AUTOUPDATER=1 \
      timeout "$LIMIT_S" "$CLAUDE" -p "Say hello" --output-format json --model "$1" ) >"$2" 2>&1 || true
}
codex_run() { # model, output file
  ( cd "$WORK/project" && HOME="$WORK/home" CODEX_HOME="$WORK/codex" MEGAROUTER_KEY="$KEY" \
      timeout "$LIMIT_S" "$CODEX" exec --skip-git-repo-check -m "$1" "Say hello" </dev/null ) >"$2" 2>&1 || true
}
codex_default_run() { # output file
  ( cd "$WORK/project" && HOME="$WORK/home" CODEX_HOME="$WORK/codex-default" MEGAROUTER_KEY="$KEY" \
      timeout "$LIMIT_S" "$CODEX" exec --skip-git-repo-check "Say hello" </dev/null ) >"$1" 2>&1 || true
}

claude_run claude-sonnet-4-5 "$WORK/claude-anthropic.out"
check "Claude Code, claude-sonnet-4-5 (Anthropic messages passed through)" "$WORK/claude-anthropic.out" \
  claude-sonnet-4-5 anthropic /v1/messages
claude_run gpt-4o-mini "$WORK/claude-openai.out"
check "Claude Code, gpt-4o-mini (messages -> OpenAI chat; max_tokens capped to the model's)" "$WORK/claude-openai.out" \
  gpt-4o-mini openai /v1/messages
codex_run gpt-4o-mini "$WORK/codex-openai.out"
check "Codex, gpt-4o-mini (Responses API passed through)" "$WORK/codex-openai.out" gpt-4o-mini openai /v1/responses
codex_run claude-sonnet-4-5 "$WORK/codex-anthropic.out"
check "Codex, claude-sonnet-4-5 (Responses API -> Anthropic messages)" "$WORK/codex-anthropic.out" \
  claude-sonnet-4-5 anthropic /v1/responses

# Models newer than the catalog pass through to the provider whose naming
# they follow (issue 19): Codex's own default, and a future Claude.
codex_default_run "$WORK/codex-default.out"
check "Codex, its default model gpt-6.2-sol (not in the catalog: passed through to OpenAI)" \
  "$WORK/codex-default.out" gpt-6.2-sol openai /v1/responses
claude_run claude-opus-9 "$WORK/claude-unlisted.out"
check "Claude Code, claude-opus-9 (not in the catalog: passed through to Anthropic)" "$WORK/claude-unlisted.out" \
  claude-opus-9 anthropic /v1/messages

claude_run claude-sonnet-4-5 "$WORK/claude-wrong-key.out" mr-not-a-key
if grep -q "401" "$WORK/claude-wrong-key.out" && ! grep -q "Mock answer" "$WORK/claude-wrong-key.out"; then
  echo "ok: Claude Code with an unknown key is refused with 401"
  passed=$((passed + 1))
else
  echo "FAIL: Claude Code with an unknown key was not refused with 401" >&2; tail -c 1000 "$WORK/claude-wrong-key.out" >&2
  failed=$((failed + 1))
fi

echo "coding agents: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
