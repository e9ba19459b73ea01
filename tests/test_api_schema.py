"""The API's OpenAPI schema: valid, served with its documentation from our own static files, and
true to the running service: schemathesis calls every operation with generated requests (valid
and invalid) as a script with a personal token would, and finds no 5xx and no answer the schema
does not describe."""
import re
import subprocess
import sys
import time
from pathlib import Path

import requests
from django.core.management import call_command

from instances.models import Instance
from tests.support.apiclient import ApiClient
from tests.support.cleanup import remove
from tests.support.factories import demo_image_and_flavour, make_user

CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_headers_conformance", "response_schema_conformance",
          "ignored_auth"]  # and every operation refuses a request without the token


def test_the_schema_is_valid_and_complete(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))


def test_the_docs_are_served_without_a_cdn(stack):
    page = requests.get(stack.url + "/api/docs/")
    assert page.status_code == 200 and "swagger-ui" in page.text
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(asset.startswith("/") for asset in assets), assets  # nothing from elsewhere
    for asset in assets:
        assert requests.get(stack.url + asset).status_code == 200, asset
    schema = requests.get(stack.url + "/api/schema/", headers={"Accept": "application/json"})
    assert schema.status_code == 200 and "/api/instances/{uuid}/stop/" in schema.json()["paths"]
    nowhere = requests.get(stack.url + "/api/instances/not-a-uuid/")
    assert nowhere.status_code == 404 and nowhere.json() == {"detail": "Not found."}  # JSON under /api/ too


def test_swagger_ui_renders_every_operation_from_our_own_files(browser, stack):
    context = browser.new_context()
    page = context.new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(stack.url + "/api/docs/")
    page.wait_for_selector(".opblock-summary-path", timeout=30_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/instances/{uuid}/share-tokens/" in [path.replace("\u200b", "") for path in paths]
    assert requested and all(url.startswith(stack.url) for url in requested), requested
    context.close()


def test_schemathesis_finds_no_server_error_and_no_schema_violation(stack, committed, tmp_path):
    user = make_user()
    script = ApiClient(stack.url, user)
    image, flavour = demo_image_and_flavour()
    # Generated ids would rarely name a real instance, image or size: give schemathesis an instance
    # of the user's, and the demo's image and size most of the time, so that it reaches the services.
    uuid = script.post("/api/instances/", {"image": image.pk, "flavour": flavour.pk}).json()["uuid"]
    config = tmp_path / "schemathesis.toml"
    config.write_text(f"""
[parameters]
"path.uuid" = "{uuid}"
"body.image" = {{ dictionary = "images", probability = 0.8 }}
"body.flavour" = {{ dictionary = "flavours", probability = 0.8 }}

[dictionaries.images]
values = [{image.pk}]

[dictionaries.flavours]
values = [{flavour.pk}]
""")
    started = time.monotonic()
    # One worker: Python 3.11's ast.parse, which Hypothesis calls to describe strategies, is not
    # safe across threads ("AST constructor recursion depth mismatch" aborted a two-worker run).
    run = subprocess.run([
        Path(sys.executable).with_name("schemathesis"), "--config-file", config, "run", f"{stack.url}/api/schema/",
        "--header", f"Authorization: Bearer {script.secret}",
        "--checks", ",".join(CHECKS), "--max-examples", "10", "--workers", "1", "--request-timeout", "20",
        "--generation-database", "none", "--no-color",
    ], capture_output=True, text=True, timeout=300, cwd=tmp_path)  # it leaves a cache in its directory
    took = time.monotonic() - started
    try:
        print(run.stdout[-6000:])
        print(f"schemathesis took {took:.1f} s")
        assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    finally:
        remove(list(Instance.objects.filter(owner=user)))
