"""deploy/ runs what exists: every command in the systemd units, the compose file and the
Dockerfile parses with the real command-line tools and loads the real ASGI and Celery apps, and
the files agree with each other and with the settings."""
import json
import re
import shlex
import subprocess
from pathlib import Path

import click
import pytest
import yaml
from celery.app.utils import find_app
from celery.bin.base import CLIContext
from celery.bin.celery import celery as celery_cli
from django.core.management import get_commands
from uvicorn.importer import import_from_string
from uvicorn.main import main as uvicorn_cli

from tests.support.stack import UVICORN_OPTIONS

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
SETTINGS = sorted((DEPLOY.parent / "visa").glob("*settings.py"))  # settings.py and the parts it takes


def unit_commands():
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        for line in unit.read_text().splitlines():
            if line.startswith("ExecStart="):
                yield unit.name, shlex.split(line.removeprefix("ExecStart=").replace("%i", "8001"))


def compose():
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def compose_commands():
    for name, service in compose()["services"].items():
        if "build" in service:
            yield f"compose {name}", service["command"]


def dockerfile_command():
    line = next(line for line in (DEPLOY / "Dockerfile").read_text().splitlines() if line.startswith("CMD "))
    return "Dockerfile", json.loads(line.removeprefix("CMD "))


COMMANDS = [*unit_commands(), *compose_commands(), dockerfile_command()]


def check_celery(args):
    at = next(i for i, arg in enumerate(args) if arg in celery_cli.commands)
    context = celery_cli.make_context("celery", args[:at])
    context.obj = CLIContext(app=find_app(context.params["app"]), no_color=True, workdir=None, quiet=True)
    assert context.obj.app.main == "visa"
    celery_cli.commands[args[at]].make_context(args[at], args[at + 1:], parent=context)


def uvicorn_params(args):
    return uvicorn_cli.make_context("uvicorn", args).params


SERVER_OPTIONS = {key: value for key, value in uvicorn_params(["x:y", *UVICORN_OPTIONS]).items()
                  if key in ("loop", "http", "ws", "ws_per_message_deflate", "ws_max_size", "timeout_graceful_shutdown")}


def check_uvicorn(args):
    params = uvicorn_params(args)
    assert callable(import_from_string(params["app"]))
    # The server that deploy/ starts is the one `make run`, the tests and the proxy benchmark run.
    assert {key: params[key] for key in SERVER_OPTIONS} == SERVER_OPTIONS


def test_make_run_starts_uvicorn_as_deployed():
    line = next(line for line in (DEPLOY / "run-demo.sh").read_text().splitlines() if "-m uvicorn" in line)
    args = shlex.split(re.sub(r'"\$\w+"', "0", line.split("-m uvicorn", 1)[1].rstrip(" &")))  # "$PORT": any
    params = uvicorn_params(args)
    assert {key: params[key] for key in SERVER_OPTIONS} == SERVER_OPTIONS


@pytest.mark.parametrize("where,argv", COMMANDS, ids=[where for where, _ in COMMANDS])
def test_every_deploy_command_parses_and_loads_its_app(where, argv):
    assert Path(argv[0]).name == "python", f"{where}: run through the project's python"
    if argv[1] == "manage.py":
        assert argv[2] in get_commands()
        return
    assert argv[1] == "-m"
    module, args = argv[2], argv[3:]
    try:
        {"uvicorn": check_uvicorn, "celery": check_celery}[module](args)
    except click.UsageError as error:
        pytest.fail(f"{where}: {error}")


def test_units_and_compose_run_web_worker_and_beat():
    commands = " ".join(" ".join(argv) for _, argv in COMMANDS)
    assert all(part in commands for part in ("visa.asgi:application", "-A visa worker", "-A visa beat"))
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(compose()["services"])


def test_the_env_example_lists_every_setting():
    text = "".join(path.read_text() for path in SETTINGS)
    read = set(re.findall(r'(?:environ\.get|environ\[|env\.\w+)\(?\s*"([A-Z_]+)"', text))
    listed = set(re.findall(r"^#?([A-Z_]+)=", (DEPLOY / "visa.env.example").read_text(), re.MULTILINE))
    assert read | {"DATABASE_URL", "PROMETHEUS_MULTIPROC_DIR"} <= listed, f"missing in deploy/visa.env.example: {read - listed}"


def test_nginx_proxies_every_asgi_process_upgrades_websockets_and_serves_static_root():
    site = (DEPLOY / "nginx" / "visa.conf").read_text()
    upstream_ports = set(re.findall(r"server 127\.0\.0\.1:(\d+)\b", site))
    started_ports = set(re.findall(r"visa-web@(\d+)\.service", (DEPLOY / "systemd" / "visa.target").read_text()))
    assert upstream_ports == started_ports
    visa, notebooks = site[site.index("listen 443 ssl http2"):].split("server_name *.notebooks.example.net;")
    assert "proxy_set_header Upgrade $http_upgrade;" in visa
    # a location with a proxy_set_header of its own would inherit none of the server's
    assert visa.rindex("proxy_set_header") < re.search(r"^\s*location ", visa, re.MULTILINE).start()
    static_root = re.search(r"^DJANGO_STATIC_ROOT=(.+)$", (DEPLOY / "visa.env.example").read_text(), re.MULTILINE)
    assert f"alias {static_root.group(1)}/;" in site
    assert site.count("proxy_set_header X-Forwarded-Proto $scheme;") == 2  # visa's server and the notebooks'
    assert all(line in notebooks for line in ("proxy_set_header Upgrade $http_upgrade;", "proxy_read_timeout 1d;"))


def test_the_env_example_can_be_sourced_by_a_shell():
    result = subprocess.run(["bash", "-c", f"set -eu -a; . {DEPLOY / 'visa.env.example'}"], capture_output=True, text=True)
    assert result.returncode == 0 and not result.stderr, result.stderr


def metric_names():
    """Every metric name visa exposes: counted by its processes, or computed at the scrape."""
    from prometheus_client.parser import text_string_to_metric_families

    from visa import metrics

    suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"], "gauge": [""]}
    return {family.name + suffix for family in text_string_to_metric_families(metrics.exposition()[0].decode())
            for suffix in suffixes.get(family.type, [""])}


@pytest.mark.django_db
def test_the_dashboard_and_alerts_ask_for_metrics_that_exist():
    """A renamed metric would leave a panel or an alert silently empty."""
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "visa.json").read_text())
    queries = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    queries += [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    asked = {name for query in queries for name in re.findall(r"\bvisa_\w+", query)}
    exposed = metric_names()
    assert asked and asked <= exposed, f"not exposed: {asked - exposed}"
    assert {"Instances by state", "Launch to ACTIVE (50th and 90th percentile)"} <= {p["title"] for p in dashboard["panels"]}


def test_prometheus_scrapes_web_with_the_token_and_grafana_is_provisioned():
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    [job] = config["scrape_configs"]
    assert job["metrics_path"] == "/metrics" and job["static_configs"][0]["targets"] == ["web:8000"]
    services = compose()["services"]
    mounted = {volume.split(":")[1] for volume in services["prometheus"]["volumes"]}
    assert {job["authorization"]["credentials_file"], *config["rule_files"]} <= mounted
    datasource = yaml.safe_load((DEPLOY / "grafana/provisioning/datasources/prometheus.yml").read_text())
    assert datasource["datasources"][0]["url"] == "http://prometheus:9090"
    provider = yaml.safe_load((DEPLOY / "grafana/provisioning/dashboards/visa.yml").read_text())
    dashboards = provider["providers"][0]["options"]["path"]
    assert f"./grafana/dashboards:{dashboards}:ro" in services["grafana"]["volumes"]


def test_web_and_worker_share_the_metrics_directory_and_have_healthchecks():
    services = compose()["services"]
    for name in ("web", "worker"):
        directory = services[name]["environment"]["PROMETHEUS_MULTIPROC_DIR"]
        assert f"metrics:{directory}" in services[name]["volumes"]
        assert "healthcheck" in services[name]
    assert "/health/live" in " ".join(services["web"]["healthcheck"]["test"])


def test_on_systemd_hosts_the_metrics_directory_is_made_and_every_process_may_write_it():
    directory = re.search(r"^PROMETHEUS_MULTIPROC_DIR=(.+)$", (DEPLOY / "visa.env.example").read_text(), re.MULTILINE)[1]
    assert f"D {directory} 0750 visa visa -" in (DEPLOY / "systemd" / "visa-tmpfiles.conf").read_text()
    for unit in ("visa-web@.service", "visa-worker.service", "visa-beat.service"):
        paths = re.search(r"^ReadWritePaths=(.+)$", (DEPLOY / "systemd" / unit).read_text(), re.MULTILINE)[1]
        assert directory in paths.split(), unit
