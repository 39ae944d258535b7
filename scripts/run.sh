#!/usr/bin/env bash
# The README's run command: set-up, then the desktop client on the embedded default
# (a local server on SQLite with demo data).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" && -z "${QT_QPA_PLATFORM:-}" ]]; then
  echo "没有图形显示 (no display): run it under a virtual screen with:  xvfb-run -a make run" >&2
  exit 1
fi
exec .venv/bin/jincai "$@"
