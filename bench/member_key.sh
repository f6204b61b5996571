# Sourced by the bench scripts. member_key CLI...: in the home the CLI
# command runs in, creates an org/dept/team/user hierarchy (bench/eng/web/alice),
# a monthly budget of $1,000,000 on the org, and a key of the user; prints the key.
member_key() {
  "$@" org create bench >/dev/null
  "$@" dept create bench/eng >/dev/null
  "$@" team create bench/eng/web >/dev/null
  "$@" user create bench/eng/web/alice >/dev/null
  "$@" budget set bench --usd 1000000 --period monthly >/dev/null
  "$@" keys create bench/eng/web/alice --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])'
}
