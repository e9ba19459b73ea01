"""Prometheus metrics: the events every process counts, and the exposition that `/metrics` serves.

With PROMETHEUS_MULTIPROC_DIR set (production, the demo, the tests), each process (every uvicorn
worker, every Celery pool process) writes its counts to files there and a scrape adds them up, so
one scrape of any web process sees them all; the directory is shared by the processes on one host
and emptied when they start. Gauges that are database truths (instances, share links, desktop
connections) are not counted here: collectors registered with `register` compute them at scrape
time, right whatever the number of processes.
"""
import atexit
import os
import socket

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)

HOST = socket.gethostname().replace("_", "-")  # "_" separates the parts of the files' names


def _process():
    """The process's name in the directory: containers (web, worker) that share it have process ids
    of their own, so the host name is in it too. Asked at every count: it notices a fork."""
    return f"{HOST}-{os.getpid()}"


if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # before the first metric, which opens its file there
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
    values.ValueClass = values.MultiProcessValue(_process)

LAUNCHES = Counter("visa_launches", "Instances launched")
REFUSALS = Counter("visa_launch_refusals", "Launches refused, by reason", ["reason"])
LAUNCH_TO_ACTIVE = Histogram(
    "visa_launch_to_active_seconds", "Seconds from a launch to its desktop ready (first ACTIVE)",
    buckets=(5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600))
CLOUD_CALLS = Counter("visa_cloud_calls", "Cloud API calls, by call and cloud", ["call", "cloud"])
CLOUD_ERRORS = Counter("visa_cloud_errors", "Cloud API calls that failed, by call and cloud", ["call", "cloud"])
TASK_SECONDS = Histogram("visa_task_seconds", "Celery task durations, by task and outcome", ["task", "outcome"],
                         buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
DESKTOP_CONNECTIONS = Counter("visa_desktop_connections", "Desktop connections opened, by role", ["role"])
RELAYED_BYTES = Counter("visa_desktop_relayed_bytes", "Bytes relayed by the desktop proxy, by direction",
                        ["direction"])
LIVE_SOCKETS = Gauge("visa_live_sockets", "Live-update WebSockets open now", multiprocess_mode="livesum")
DRIFT = Counter("visa_reconciler_drift", "What the reconciler found the cloud or the processes to differ in, by kind",
                ["kind"])

COLLECTORS = []  # computed at scrape time (apps register them at start)


def register(collector):
    """Add a collector (an object with `collect()`) to every scrape."""
    COLLECTORS.append(collector)


def exposition():
    """The text format of every metric, summed over the processes when they share a directory."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:  # one process: its own counts
        registry.register(REGISTRY)
    for collector in COLLECTORS:
        registry.register(collector)
    return generate_latest(registry), CONTENT_TYPE_LATEST


@atexit.register
def _exited():
    """A live gauge (open sockets) stops counting a process that ended."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(_process())
