"""devcloud answers as OpenStack would, by OpenStack's own tests: every endpoint, at no
microversion and at those openstacksdk asks for, against tempest's response schemas
(tests/support/cloudschemas.py). The tests' other calls are checked too, at the session's end
(tests/support/schemacheck.py)."""
import pytest
import requests

from deploy.devcloud import catalogue
from deploy.devcloud.testing import vnc_user_data
from tests.support import cloudschemas
from tests.support.devcloud import PASSWORD

# The microversions openstacksdk 4.22 asks devcloud (at most 2.79) for: the highest both know; it asks
# for limits at none, and 2.57 is the highest its Limits knows.
SERVERS, FLAVORS, LIMITS = "2.79", "2.61", "2.57"
IMAGE = catalogue.IMAGES["ubuntu-desktop"].id
FLAVOR = catalogue.FLAVOURS["m1.small"].id


@pytest.fixture(scope="module")
def token(conn):
    return conn.session.get_token()


@pytest.fixture(scope="module")
def ask(devcloud, token):
    """ask(method, path, version=None, body=None, token=...): the answer, as devcloud records it."""

    def ask(method, path, version=None, body=None, token=token, headers=None):
        asked = {"OpenStack-API-Version": f"compute {version}"} if version else {}
        response = requests.request(method, devcloud.url + path, json=body, timeout=10,
                                    headers={"X-Auth-Token": token or "", **asked, **(headers or {})})
        return {
            "method": method,
            "path": path,
            "request_headers": {**asked, **(headers or {})},
            "status": response.status_code,
            "headers": dict(response.headers),
            "body": response.json() if response.content else None,
        }

    return ask


def valid(answer):
    """Nothing wrong with an answer that is a success."""
    assert answer["status"] < 400, answer
    assert cloudschemas.problems(answer) == []


@pytest.fixture(scope="module")
def server(conn):
    """A server that the reading tests share."""
    server = conn.compute.create_server(name="read", image_id=IMAGE, flavor_id=FLAVOR,
                                        user_data=vnc_user_data(PASSWORD), metadata={"visa_instance": "x"})
    yield conn.compute.wait_for_server(server, interval=0.05, wait=10)
    conn.compute.delete_server(server)


READS = [
    ("/compute/", None),
    ("/compute/v2.1/", None),
    *[(path, version) for path in ("/servers", "/servers/detail", "/servers/{server}", "/servers/{server}/ips",
                                   "/servers/{server}/metadata") for version in (None, SERVERS)],
    *[(path, version) for path in ("/flavors", "/flavors/detail", "/flavors/{flavor}") for version in (None, FLAVORS)],
    ("/limits", None),
    ("/limits", LIMITS),
]


@pytest.mark.parametrize(("path", "version"), READS)
def test_compute_reads(ask, server, path, version):
    path = path.format(server=server.id, flavor=FLAVOR)
    valid(ask("GET", path if path.startswith("/compute/") else "/compute/v2.1" + path, version))


@pytest.mark.parametrize("version", [None, SERVERS])
def test_create_server(ask, conn, version):
    body = {"server": {"name": "created", "imageRef": IMAGE, "flavorRef": FLAVOR, "user_data": vnc_user_data(PASSWORD)}}
    answer = ask("POST", "/compute/v2.1/servers", version, body)
    if answer["status"] == 202:
        conn.compute.delete_server(answer["body"]["server"]["id"])
    valid(answer)


@pytest.mark.parametrize("version", [None, SERVERS])
@pytest.mark.parametrize("action", ["os-stop", "os-start", "reboot"])
def test_server_actions(ask, conn, boot, action, version):
    server = boot()
    if action == "os-start":
        conn.compute.stop_server(server)
    body = {"reboot": {"type": "SOFT"}} if action == "reboot" else {action: None}
    valid(ask("POST", f"/compute/v2.1/servers/{server.id}/action", version, body))


@pytest.mark.parametrize("version", [None, SERVERS])
def test_delete_server(ask, conn, version):
    server = conn.compute.create_server(name="deleted", image_id=IMAGE, flavor_id=FLAVOR)
    valid(ask("DELETE", f"/compute/v2.1/servers/{server.id}", version))


@pytest.mark.parametrize("path", ["/", "/v3", "/v3/auth/catalog", "/v3/auth/projects", "/image/",
                                  "/image/v2/images", f"/image/v2/images/{IMAGE}"])
def test_identity_and_image_reads(ask, path):
    valid(ask("GET", path))


def test_tokens(ask, devcloud, token):
    auth = {"identity": {"methods": ["password"], "password": {"user": {
        "name": "visa", "password": "devcloud", "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": "visa", "domain": {"name": "Default"}}}}
    issued = ask("POST", "/v3/auth/tokens", body={"auth": auth}, token=None)
    valid(issued)
    valid(ask("GET", "/v3/auth/tokens", headers={"X-Subject-Token": issued["headers"]["X-Subject-Token"]}))
    refused = ask("POST", "/v3/auth/tokens", body={"auth": {**auth, "identity": {}}}, token=None)
    assert refused["status"] == 401 and cloudschemas.problems(refused) == []


def boundaries(client, highest=(2, 79)):
    """The ends of each range in a tempest client's schema table that devcloud serves, and `latest`."""
    ends = {end for item in client.schema_versions_info for end in (item["min"], item["max"]) if end}
    return sorted((v for v in ends if tuple(map(int, v.split("."))) <= highest), key=lambda v: v.split(".")) + [
        "latest"]


SWEEP = [
    (path, version)
    for paths, client in [
        (["/servers", "/servers/detail", "/servers/{server}"], cloudschemas.ServersClient),
        (["/flavors", "/flavors/detail", "/flavors/{flavor}"], cloudschemas.FlavorsClient),
        (["/limits"], cloudschemas.LimitsClient),
    ]
    for path in paths
    for version in boundaries(client)
]


@pytest.mark.parametrize(("path", "version"), SWEEP)
def test_every_microversion_devcloud_serves(ask, server, path, version):
    """Each range of tempest's schema tables for the GETs that change with the microversion, at
    its ends and at `latest`."""
    valid(ask("GET", "/compute/v2.1" + path.format(server=server.id, flavor=FLAVOR), version))


@pytest.mark.parametrize("refused", [None, "123.forged"])
def test_a_refused_token_says_where_to_authenticate(ask, refused):
    answer = ask("GET", "/compute/v2.1/servers", SERVERS, token=refused)
    assert answer["status"] == 401 and answer["headers"]["WWW-Authenticate"].startswith('Keystone uri="http')
    assert cloudschemas.problems(answer) == []


def test_compute_errors_say_their_microversion(ask):
    missing = ask("GET", "/compute/v2.1/servers/no-such-server", SERVERS)
    assert missing["status"] == 404 and missing["headers"]["OpenStack-API-Version"] == f"compute {SERVERS}"
    assert cloudschemas.problems(missing) == []


@pytest.mark.parametrize(("version", "status"), [("2.0", 406), ("2.80", 406), ("3.1", 406), ("2.x", 400)])
def test_unsupported_microversions_are_refused_as_nova_does(ask, version, status):
    answer = ask("GET", "/compute/v2.1/flavors", version)
    assert answer["status"] == status and "OpenStack-API-Version" not in answer["headers"]
    assert cloudschemas.problems(answer) == []


def test_a_call_without_a_schema_is_a_problem():
    answer = {"method": "GET", "path": "/compute/v2.1/os-hypervisors", "request_headers": {}, "status": 404,
              "headers": {}, "body": None}
    assert "no schema for this call" in cloudschemas.problems(answer)[0]


def test_a_wrong_answer_is_a_problem(ask, server):
    """The check is no rubber stamp: a field the microversion does not have, a missing version header."""
    shown = ask("GET", f"/compute/v2.1/servers/{server.id}")
    shown["body"]["server"]["locked"] = False  # since 2.9
    assert cloudschemas.problems(shown) == [
        f"GET /compute/v2.1/servers/{server.id} -> 200 at no microversion: "
        "server: Additional properties are not allowed ('locked' was unexpected)"]
    listed = ask("GET", "/compute/v2.1/flavors", FLAVORS)
    del listed["headers"]["X-OpenStack-Nova-API-Version"]
    assert "Microversion header 'x-openstack-nova-api-version'" in cloudschemas.problems(listed)[0]
