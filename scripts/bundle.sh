#!/usr/bin/env bash
# `make bundle`: PyInstaller one-folder bundle, its smoke test, the .deb, and the .deb's smoke test.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '[bundle] %s\n' "$*" >&2; }
scripts/setup.sh
if ! .venv/bin/python -c "import PyInstaller" 2>/dev/null; then
  say "installing PyInstaller"
  .venv/bin/python -m pip install -q -e ".[bundle]" >.venv/pip-bundle.log 2>&1 || { tail -20 .venv/pip-bundle.log; exit 1; }
fi
VERSION=$(.venv/bin/python -c "import tomllib;print(tomllib.load(open('pyproject.toml','rb'))['project']['version'])")
DIST=build/dist/jincai
started=$(date +%s)
say "building the bundle (version $VERSION)"
.venv/bin/pyinstaller --noconfirm --log-level WARN --distpath build/dist --workpath build/pyinstaller installers/jincai.spec
say "built in $(( $(date +%s) - started )) s, $(du -sh "$DIST" | cut -f1)"

missing=0
while read -r path; do
  [[ -z "$path" || "$path" == \#* ]] && continue
  [[ -e "$DIST/$path" ]] || { say "MISSING in bundle: $path"; missing=1; }
done < installers/bundle_layout.txt
((missing == 0)) || exit 1

say "smoke test: $DIST/jincai --self-test (offscreen)"
QT_QPA_PLATFORM=offscreen "$DIST/jincai" --self-test

DEB=$(installers/linux/build_deb.sh "$DIST" "$VERSION" build)
say "built $DEB ($(du -h "$DEB" | cut -f1))"
if [[ $(id -u) -eq 0 && "${JINCAI_SKIP_DEB_INSTALL:-}" != 1 ]]; then
  say "installing $DEB and running its self-test"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "./$DEB" >/dev/null
  QT_QPA_PLATFORM=offscreen /opt/jincai-desk/jincai --self-test
fi
say "done"
