#!/usr/bin/env bash
# One set-up for every entry point (make run / make test / make bench):
#   1. Debian packages the product needs, when missing and we may install them (root or sudo -n);
#   2. .venv at the repository root with the project and its extras installed (skipped when current);
#   3. Qt translations compiled (.ts -> .qm).
# Usage: scripts/setup.sh [--test]   (--test adds the packages the test suite needs)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
say() { printf '[setup] %s\n' "$*" >&2; }

want_lists=(scripts/deb-packages.txt)
[[ "${1:-}" == "--test" ]] && want_lists+=(scripts/deb-packages-test.txt)

# ---- 1. Debian packages -------------------------------------------------------------------------
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  while read -r pkg; do
    [[ -z "$pkg" || "$pkg" == \#* ]] && continue
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
  done < <(cat "${want_lists[@]}")
  PY=${PYTHON:-python3}
  if ! "$PY" -c 'import ensurepip, venv' >/dev/null 2>&1; then missing+=(python3-venv); fi
  if ((${#missing[@]})); then
    SUDO=""
    if [[ $(id -u) -ne 0 ]]; then
      if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; fi
    fi
    if [[ $(id -u) -eq 0 || -n "$SUDO" ]]; then
      say "installing Debian packages: ${missing[*]}"
      export DEBIAN_FRONTEND=noninteractive
      $SUDO apt-get update -qq
      $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
      say "WARNING: missing Debian packages (run as root to install): ${missing[*]}"
    fi
  fi
else
  say "not a Debian/Ubuntu system: install Tesseract (chi_sim), a CJK font and the Qt xcb libraries yourself"
fi

# ---- 2. virtual environment -----------------------------------------------------------------------
PY=${PYTHON:-python3}
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
  || { say "Python >= 3.11 is required (found $("$PY" --version 2>&1))"; exit 1; }
if [[ ! -x .venv/bin/python ]]; then
  say "creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.jincai-installed
want=$(cat pyproject.toml | sha256sum | cut -c1-16)
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  say "installing the project and its dependencies into .venv (first time takes a few minutes)"
  if ! { .venv/bin/python -m pip install -q --upgrade pip \
         && .venv/bin/python -m pip install -q -e ".[server,dev]"; } >.venv/pip.log 2>&1; then
    tail -n 30 .venv/pip.log >&2; say "pip install failed (full log: .venv/pip.log)"; exit 1
  fi
  echo "$want" > "$stamp"
fi

# ---- 3. translations --------------------------------------------------------------------------------
if compgen -G "resources/translations/*.ts" >/dev/null; then
  LRELEASE=$(ls .venv/bin/pyside6-lrelease 2>/dev/null || true)
  if [[ -n "$LRELEASE" ]]; then
    for ts in resources/translations/*.ts; do
      qm="${ts%.ts}.qm"
      if [[ ! -f "$qm" || "$ts" -nt "$qm" ]]; then "$LRELEASE" -silent "$ts" -qm "$qm"; fi
    done
  fi
fi
say "ready: $ROOT/.venv"
