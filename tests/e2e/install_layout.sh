#!/usr/bin/env bash
# `cmake --install` puts the binary, man page, completions and the systemd
# user unit in their standard places, and the installed binary runs.
set -euo pipefail
build_dir=$(dirname "$MEGAROUTER_BIN")
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build_dir" --prefix "$prefix" >/dev/null
for f in bin/megarouter bin/megarouter-mock share/man/man1/megarouter.1 \
         share/bash-completion/completions/megarouter share/zsh/vendor-completions/_megarouter \
         share/fish/vendor_completions.d/megarouter.fish lib/systemd/user/megarouter.service; do
  [[ -s "$prefix/$f" ]] || { echo "missing or empty after install: $f"; exit 1; }
done
"$prefix/bin/megarouter" --version | grep -q '^megarouter ' || { echo "installed binary does not run"; exit 1; }
grep -q -- '--host 127.0.0.1' "$prefix/lib/systemd/user/megarouter.service" || { echo "unit must bind 127.0.0.1"; exit 1; }
echo "install layout ok"
