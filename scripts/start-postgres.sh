#!/usr/bin/env bash
# Starts the machine's PostgreSQL cluster for the test suite and makes sure the test role and
# database exist. Prints the SQLAlchemy URL on stdout; prints nothing when PostgreSQL is absent.
set -uo pipefail
say() { printf '[postgres] %s\n' "$*" >&2; }
command -v pg_lsclusters >/dev/null 2>&1 || { say "PostgreSQL is not installed: server tests run on SQLite only"; exit 0; }
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else sudo -n -u postgres "$@"; fi; }
read -r ver name port status _ < <(pg_lsclusters --no-header | head -n1)
if [[ -z "${ver:-}" ]]; then
  ver=$(ls /usr/lib/postgresql | sort -n | tail -n1); name=main
  say "creating cluster $ver/$name"
  pg_createcluster "$ver" "$name" >&2
  read -r ver name port status _ < <(pg_lsclusters --no-header | head -n1)
fi
if [[ "$status" != online* ]]; then
  say "starting cluster $ver/$name"
  pg_ctlcluster "$ver" "$name" start >&2 || { say "could not start PostgreSQL"; exit 0; }
fi
as_pg psql -q -p "$port" -v ON_ERROR_STOP=1 -c "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='jincai') THEN CREATE ROLE jincai LOGIN CREATEDB PASSWORD 'jincai'; END IF; END\$\$;" >&2 \
  || { say "could not create the test role"; exit 0; }
if ! as_pg psql -p "$port" -tAc "SELECT 1 FROM pg_database WHERE datname='jincai_test'" | grep -q 1; then
  as_pg createdb -p "$port" -O jincai jincai_test >&2
fi
echo "postgresql+psycopg://jincai:jincai@127.0.0.1:$port/jincai_test"
