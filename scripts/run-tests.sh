#!/usr/bin/env bash
# The whole test suite, as `make test` runs it. DATABASE_URL and CELERY_BROKER_URL, when set
# (CI sets them, see .ci/run), are used as they are. Otherwise the local PostgreSQL and Redis are
# used when they answer, each under names of this checkout's own so that parallel checkouts and
# other databases on the machine are left alone; when they do not answer, the suite runs on the
# embedded defaults (SQLite, the filesystem broker) and pytest lists what it skipped and why.
set -euo pipefail
cd "$(dirname "$0")/.."
own="$(printf %s "$PWD" | sha1sum | cut -c1-8)"

if [ -z "${DATABASE_URL:-}" ]; then
  psql_q() { psql -X -q -h 127.0.0.1 -p 5432 -U postgres -d postgres -tAc "$1" 2>/dev/null; }
  if command -v psql >/dev/null && [ "$(psql_q "SELECT rolsuper OR rolcreatedb FROM pg_roles WHERE rolname = current_user")" = "t" ]; then
    name="portal_checkout_$own"
    if [ "$(psql_q "SELECT 1 FROM pg_database WHERE datname = '$name'")" != "1" ]; then
      psql_q "CREATE DATABASE $name" >/dev/null
    fi
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$name"
    echo "==> Tests on the local PostgreSQL (test database test_$name)"
  else
    echo "==> No PostgreSQL answers on 127.0.0.1:5432 as user postgres: tests on SQLite, the" \
         "embedded default; tests that need PostgreSQL are skipped (listed at the end)"
  fi
fi

if [ -z "${CELERY_BROKER_URL:-}" ]; then
  if command -v redis-cli >/dev/null && [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; then
    # The last of Redis's 16 databases: CI and the usual set-ups use the first ones.
    export CELERY_BROKER_URL="redis://127.0.0.1:6379/15"
    echo "==> Real-worker tests on the local Redis ($CELERY_BROKER_URL)"
  else
    echo "==> No Redis answers on 127.0.0.1:6379: the real-worker tests are skipped (listed at the end)"
  fi
fi

exec .venv/bin/pytest "$@"
