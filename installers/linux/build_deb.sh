#!/usr/bin/env bash
# Build a .deb from the PyInstaller bundle with dpkg-deb: the bundle under /opt/jincai-desk, launchers
# in /usr/bin, the desktop entry, icons at the usual sizes and the AppStream metadata.
# Usage: installers/linux/build_deb.sh DIST_DIR VERSION OUT_DIR   (prints the .deb path)
set -euo pipefail
DIST=$1; VERSION=$2; OUT=$3
HERE=$(cd "$(dirname "$0")" && pwd); ROOT=$(cd "$HERE/../.." && pwd)
ARCH=$(dpkg --print-architecture)
STAGE=$(mktemp -d); trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt/jincai-desk" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
         "$STAGE/usr/share/metainfo"
cp -a "$DIST/." "$STAGE/opt/jincai-desk/"
ln -s /opt/jincai-desk/jincai "$STAGE/usr/bin/jincai"
ln -s /opt/jincai-desk/jincai-server "$STAGE/usr/bin/jincai-server"
install -m644 "$HERE/jincai-desk.desktop" "$STAGE/usr/share/applications/jincai-desk.desktop"
install -m644 "$HERE/io.github.jincai.desk.metainfo.xml" "$STAGE/usr/share/metainfo/"
for icon in "$ROOT"/resources/icons/hicolor/*/apps/jincai-desk.png; do
  size=$(basename "$(dirname "$(dirname "$icon")")")
  install -Dm644 "$icon" "$STAGE/usr/share/icons/hicolor/$size/apps/jincai-desk.png"
done
SIZE_KB=$(du -sk "$STAGE" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@SIZE@/$SIZE_KB/" "$HERE/control.in" > "$STAGE/DEBIAN/control"
install -m755 "$HERE/postinst" "$STAGE/DEBIAN/postinst"
mkdir -p "$OUT"
DEB="$OUT/jincai-desk_${VERSION}_${ARCH}.deb"
dpkg-deb --root-owner-group -Zxz -z3 --build "$STAGE" "$DEB" >/dev/null
echo "$DEB"
