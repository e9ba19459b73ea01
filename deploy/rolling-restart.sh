#!/usr/bin/env bash
# Upgrade or restart visa on a systemd host without an outage (docs/operators.md, "Upgrades"):
# migrations and static files first (migrations must keep working with the running code), then one
# ASGI process at a time, each back and answering before the next (nginx sends requests to the
# others meanwhile), then the workers and beat. Run it as root from /opt/visa after `git pull` and
# `pip install -r requirements.txt`; it stops at the first step that fails.
set -euo pipefail
cd "$(dirname "$0")/.."
set -a; . /etc/visa/visa.env; set +a
run() { runuser -u visa -- "$@"; }

run .venv/bin/python manage.py migrate --noinput
run .venv/bin/python manage.py collectstatic --noinput -v0
for unit in $(systemctl list-units --plain --no-legend 'visa-web@*.service' | awk '{print $1}'); do
  port=${unit#visa-web@}; port=${port%.service}
  systemctl restart "$unit"
  # uvicorn listens once the application has loaded: up to 30 s for that
  for _ in $(seq 60); do (: </dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.5; done
  (: </dev/tcp/127.0.0.1/"$port") 2>/dev/null || { echo "$unit does not listen: stopped here"; exit 1; }
  echo "$unit restarted"
done
systemctl restart visa-worker.service visa-beat.service
echo "visa restarted"
