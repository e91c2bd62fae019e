#!/usr/bin/env bash
# Development server with a Celery worker beside it on the embedded broker (no Redis needed).
# Both stop together on Ctrl-C. Usage: run-dev.sh [ADDRESS:PORT | PORT]  (default 127.0.0.1:8000)
set -euo pipefail
host="${1:-127.0.0.1:8000}"
venv="${VENV:-.venv}"
# The address people open, for links in e-mails and the dossier's QR code: the one served here,
# unless SITE_URL says otherwise. The worker writes those, so it gets it too.
if [ -z "${SITE_URL:-}" ]; then
  case "$host" in
    *:*) address="${host%:*}" port="${host##*:}" ;;
    *) address="127.0.0.1" port="$host" ;;
  esac
  case "$address" in
    # Listening on every interface: the machine's first address is one others can open.
    0.0.0.0 | "" | "[::]") address="$(hostname -I 2>/dev/null | awk '{print $1}')" ;;
  esac
  SITE_URL="http://${address:-127.0.0.1}:${port}"
fi
export SITE_URL
echo "Links in e-mails and dossiers point at $SITE_URL"
mkdir -p var/celery/queue var/celery/processed
# With beat inside (-B): the sweeper and the audit checkpoints run here too.
"$venv/bin/celery" -A portal worker -B --schedule var/celery/beat-schedule -l warning --concurrency 1 --pool solo &
worker=$!
trap 'kill $worker 2>/dev/null; wait $worker 2>/dev/null' EXIT INT TERM
"$venv/bin/python" manage.py runserver "$host"
