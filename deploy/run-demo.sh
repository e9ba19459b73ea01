#!/usr/bin/env bash
# The demo on one machine: devcloud (the cloud), an ASGI server (pages and desktop proxy) and a
# Celery worker with embedded beat. Ctrl-C stops every process it started.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${VISA_HOST:-127.0.0.1}
PORT=${VISA_PORT:-8000}
# Links in e-mails, and the address the VMs' mount agents ask which data to mount.
export VISA_SITE_URL=${VISA_SITE_URL:-http://$HOST:$PORT}
# A few files standing in for the demo experiment's data on dCache; the desktops list them.
demo_data=var/dcache/pnfs/xfel.eu/exfel/archive/XFEL/raw/SPB/201701/p700000
mkdir -p "$demo_data"/r0001 "$demo_data"/r0002
echo "European XFEL proposal 700000: raw AGIPD data, runs 1 and 2." > "$demo_data"/README.txt
touch "$demo_data"/r0001/RAW-R0001-AGIPD00-S00000.h5 "$demo_data"/r0002/RAW-R0002-AGIPD00-S00000.h5
demo_data=var/dcache/pnfs/xfel.eu/exfel/archive/XFEL/raw/FXE/201701/p700001
mkdir -p "$demo_data"/r0007
echo "European XFEL proposal 700001: raw JUNGFRAU data, run 7." > "$demo_data"/README.txt
touch "$demo_data"/r0007/RAW-R0007-JNGFR01-S00000.h5

$PY manage.py migrate --noinput -v0
$PY manage.py collectstatic --noinput -v0
$PY manage.py seed_demo

# Metrics: every process counts into one directory, emptied first (counts of an earlier run would
# be added to this one's); Prometheus on this machine may scrape /metrics (docs/operators.md).
export PROMETHEUS_MULTIPROC_DIR=${PROMETHEUS_MULTIPROC_DIR:-$PWD/var/prometheus}
rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
export VISA_METRICS_ALLOW=${VISA_METRICS_ALLOW:-127.0.0.1,::1}

trap 'trap - EXIT; kill $(jobs -p) 2>/dev/null; wait' INT TERM EXIT
$PY -m deploy.devcloud --state var/devcloud.json &
# uvloop, httptools with visa's handing on of an upload's blocks (visa/http.py),
# and no permessage-deflate (VNC pixels are already encoded, and deflating
# every frame costs more CPU than the whole relay): what deploy/ runs and tests/benchmarks/proxy.py measures.
$PY -m uvicorn visa.asgi:application --host "$HOST" --port "$PORT" --log-level warning --loop uvloop --http visa.http:Protocol --ws-per-message-deflate false --ws-max-size 65536 --timeout-graceful-shutdown 10 &
$PY -m celery -A visa worker --beat --loglevel INFO --concurrency 2 &

until $PY -c "import urllib.request; urllib.request.urlopen('http://$HOST:$PORT/accounts/login/')" 2>/dev/null; do sleep 0.5; done
cat <<TXT

  visa is running at http://$HOST:$PORT/
  Sign in as demo / demo, then open http://$HOST:$PORT/doi/10.22003/XFEL.EU-DATA-700000-00
  and Launch; then http://$HOST:$PORT/doi/10.22003/XFEL.EU-DATA-700001-00 opens in that desktop.
  E-mails (invitations, expiry warnings, decisions) are printed here, not sent.
  Metrics: http://$HOST:$PORT/metrics, readiness: http://$HOST:$PORT/health/ready
  Ctrl-C stops it.

TXT
wait -n
