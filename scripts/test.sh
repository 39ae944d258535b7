#!/usr/bin/env bash
# The README's test command: set-up, PostgreSQL for the server tests, the whole suite offscreen.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
if [[ -z "${JINCAI_TEST_PG_URL:-}" ]]; then
  # only the last line is the URL: anything a PostgreSQL tool says on stdout must not leak into it
  JINCAI_TEST_PG_URL=$(scripts/start-postgres.sh | grep -E '^postgresql\+' | tail -n1 || true)
fi
export JINCAI_TEST_PG_URL
export QT_QPA_PLATFORM=offscreen
export QT_LOGGING_RULES="qt.multimedia*=false"
export OMP_THREAD_LIMIT=1
export PYTHON_KEYRING_BACKEND=${PYTHON_KEYRING_BACKEND:-keyring.backends.null.Keyring}
export HYPOTHESIS_PROFILE=${HYPOTHESIS_PROFILE:-$([[ "${CI:-}" == "true" ]] && echo ci || echo dev)}
[[ -n "$JINCAI_TEST_PG_URL" ]] && echo "[test] PostgreSQL: $JINCAI_TEST_PG_URL" >&2
exec .venv/bin/python -m pytest "$@"
