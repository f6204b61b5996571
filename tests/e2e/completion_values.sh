#!/usr/bin/env bash
# The bash completion offers model ids after -m/--model and node paths where
# a governance command takes one, read from the binary at TAB time
# (`megarouter __complete models|nodes`), so a refreshed catalog, the
# config's groups and aliases, and new nodes complete too.
set -euo pipefail
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
export MEGAROUTER_HOME=$home HOME=$home
printf '[aliases]\nmy-fast = "gpt-4o-mini"\n[groups.team-default]\ndeployments = [{ model = "gpt-4o-mini" }]\n' >"$home/config.toml"
"$MEGAROUTER_BIN" org create acme >/dev/null
"$MEGAROUTER_BIN" dept create acme/eng >/dev/null
# shellcheck disable=SC1091
source "$(dirname "$0")/../../completions/megarouter.bash"

complete_line() { # words... ; the last one is the word being completed
  COMP_WORDS=("$MEGAROUTER_BIN" "$@")
  COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
  COMPREPLY=()
  _megarouter
  printf '%s\n' "${COMPREPLY[@]}"
}
expect() { # what, output, wanted
  grep -qx -- "$3" <<<"$2" || { echo "$1: '$3' not offered; got:"; head -20 <<<"$2"; exit 1; }
}

models=$(complete_line prompt -m gpt-4o-m)
expect "prompt -m" "$models" gpt-4o-mini
grep -q '^claude' <<<"$models" && { echo "prompt -m gpt-4o-m offered claude models"; exit 1; }
expect "route --model" "$(complete_line route --model auto:c)" auto:cost
expect "config alias" "$(complete_line prompt -m my-)" my-fast
expect "config group" "$(complete_line prompt -m team-)" team-default
expect "keys create" "$(complete_line keys create acme)" acme/eng
expect "dept show" "$(complete_line dept show a)" acme
expect "spend --node" "$(complete_line spend --node acme/)" acme/eng
# Options still complete where they did.
expect "prompt options" "$(complete_line prompt --mo)" --model
echo "completion values ok"
