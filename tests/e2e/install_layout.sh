#!/usr/bin/env bash
# `cmake --install` puts the binary, man page, completions and the systemd
# user unit in their standard places, and the installed binary runs; the
# .deb that cpack builds holds them with the binaries stripped, and stays
# small (it was 66 MB with debug information).
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

pkg_dir="$prefix/package"
mkdir -p "$pkg_dir"
cpack -G DEB --config "$build_dir/CPackConfig.cmake" -B "$pkg_dir" >"$pkg_dir/cpack.log" 2>&1 ||
  { cat "$pkg_dir/cpack.log"; echo "cpack failed"; exit 1; }
deb=$(ls "$pkg_dir"/*.deb)
size=$(stat -c %s "$deb")
echo "package: $(basename "$deb"), $((size / 1024)) KiB"
((size < 20 * 1024 * 1024)) || { echo "the package is $((size / 1024 / 1024)) MB: are the binaries stripped?"; exit 1; }
dpkg-deb -x "$deb" "$pkg_dir/root"
for f in usr/bin/megarouter usr/bin/megarouter-mock usr/share/man/man1/megarouter.1; do
  [[ -s "$pkg_dir/root/$f" ]] || { echo "missing from the package: $f"; exit 1; }
done
if readelf -S "$pkg_dir/root/usr/bin/megarouter" | grep -q '\.debug_info'; then
  echo "the packaged megarouter keeps its debug information"; exit 1
fi
"$pkg_dir/root/usr/bin/megarouter" --version | grep -q '^megarouter ' || { echo "packaged binary does not run"; exit 1; }
echo "install layout ok"
