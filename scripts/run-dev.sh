#!/usr/bin/env bash
# Development server with a Celery worker beside it on the embedded broker (no Redis needed).
# Both stop together on Ctrl-C.
set -euo pipefail
host="${1:-127.0.0.1:8000}"
mkdir -p var/celery/queue var/celery/processed
.venv/bin/celery -A portal worker -l warning --concurrency 1 --pool solo &
worker=$!
trap 'kill $worker 2>/dev/null; wait $worker 2>/dev/null' EXIT INT TERM
.venv/bin/python manage.py runserver "$host"
