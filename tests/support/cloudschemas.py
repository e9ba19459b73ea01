"""Is an answer of devcloud one that OpenStack could give? Checked with OpenStack's own tests:
tempest's response schemas and its `validate_response`, at the microversion the call asked for.

TABLE says, for each (method, path pattern) of the OpenStack APIs devcloud serves, which schema
its answer must match, as tempest's service client for that call picks it:
- `versioned(Client, name)`: the schema module that tempest's compute `Client` lists for the
  microversion asked for (its `schema_versions_info`), and `name` in it;
- a schema of `tempest.lib.api_schema` itself, which that client uses at every microversion;
- `status(code, ...)`: the status alone, for Keystone, Glance and Neutron: tempest 47 has
  response schemas only for compute and volume; its identity, image and network clients check
  the status code (`expected_success`), so that is what is checked here.
A new endpoint in devcloud needs a line here: an answer to a call that no line matches is a
problem. Neutron goes in with `status`: tempest.lib.services.network has no response schemas, and
its clients (network/base.py) expect 200 from a list, a show and an update, 201 from a create and
204 from a delete, e.g. `Entry("GET", NETWORK + "/networks", status(200))`.

Beyond what tempest checks on a success, `problems` asks of errors what Nova and Keystone do:
a compute client error (4xx) past authentication and microversion negotiation says its
microversion, and a 401 says where to authenticate (`WWW-Authenticate`).

`problems(answer)` takes one answer as devcloud records it (deploy/devcloud/recording.py: method,
path, request_headers, status, headers, body) and lists what is wrong, empty if nothing.
"""
import json
import re
from dataclasses import dataclass
from pathlib import Path

import jsonschema
from tempest.lib import exceptions
from tempest.lib.api_schema.response.compute.v2_1 import servers as servers_v21
from tempest.lib.api_schema.response.compute.v2_1 import versions
from tempest.lib.common import api_version_request, api_version_utils, rest_client
from tempest.lib.services.compute.flavors_client import FlavorsClient
from tempest.lib.services.compute.limits_client import LimitsClient
from tempest.lib.services.compute.servers_client import ServersClient

COMPUTE = r"/compute/v2\.1"
IDENTITY = r"/v3"
IMAGE = r"/image/v2"
NETWORK = r"/network/v2\.0"
NOVA_HEADER = "X-OpenStack-Nova-API-Version"
# Not OpenStack: dCache's WebDAV door, which devcloud also stands in for.
ELSEWHERE = re.compile(r"/dcache(/.*)?")


def versioned(client, name):
    def pick(version):
        for item in client.schema_versions_info:  # as BaseComputeClient.get_schema, for any version
            if version.is_null() and item["min"] is None:
                return getattr(item["schema"], name)
            low, high = (api_version_request.APIVersionRequest(item[end]) for end in ("min", "max"))
            if not version.is_null() and version.matches(low, high):
                return getattr(item["schema"], name)
        raise exceptions.JSONSchemaNotFound(version=version.get_string(), schema_versions_info=[])

    return pick


def status(*codes):
    """What tempest's identity, image and network clients check: the status code."""
    return {"status_code": list(codes), "response_body": {"description": "tempest has no schema: any body"}}


@dataclass(frozen=True)
class Entry:
    method: str
    path: str  # a regular expression that matches the whole path
    schema: object  # a tempest schema, or a function of the microversion (APIVersionRequest) giving one
    microversioned: bool = False  # under Nova's microversion control

    def schema_at(self, version):
        return self.schema(version) if callable(self.schema) else self.schema


def compute(method, path, schema):
    return Entry(method, COMPUTE + path, schema, microversioned=True)


TABLE = [
    # Nova: servers, flavours, limits and the version documents.
    Entry("GET", r"/compute/?", versions.list_versions),
    compute("GET", r"/?", versions.get_one_version),
    compute("GET", r"/servers", versioned(ServersClient, "list_servers")),
    compute("GET", r"/servers/detail", versioned(ServersClient, "list_servers_detail")),
    compute("POST", r"/servers", servers_v21.create_server_with_admin_pass),
    compute("GET", r"/servers/[^/]+", versioned(ServersClient, "get_server")),
    compute("DELETE", r"/servers/[^/]+", servers_v21.delete_server),
    compute("POST", r"/servers/[^/]+/action", servers_v21.server_actions_common_schema),
    compute("GET", r"/servers/[^/]+/ips", servers_v21.list_addresses),
    compute("GET", r"/servers/[^/]+/metadata", servers_v21.list_server_metadata),
    compute("GET", r"/flavors", versioned(FlavorsClient, "list_flavors")),
    compute("GET", r"/flavors/detail", versioned(FlavorsClient, "list_flavors_details")),
    compute("GET", r"/flavors/[^/]+", versioned(FlavorsClient, "create_update_get_flavor_details")),
    compute("GET", r"/limits", versioned(LimitsClient, "get_limit")),
    # Keystone (identity v3): versions, tokens, what a token may see.
    Entry("GET", r"/", status(300)),
    Entry("GET", IDENTITY + r"/?", status(200)),
    Entry("POST", IDENTITY + r"/auth/tokens", status(201)),
    Entry("GET", IDENTITY + r"/auth/tokens", status(200)),
    Entry("GET", IDENTITY + r"/auth/catalog", status(200)),
    Entry("GET", IDENTITY + r"/auth/projects", status(200)),
    # Glance (image v2).
    Entry("GET", r"/image(/|/versions)?", status(200, 300)),
    Entry("GET", IMAGE + r"/images", status(200)),
    Entry("GET", IMAGE + r"/images/[^/]+", status(200)),
    # Neutron (network v2.0): what placement rules name, and the security groups openstacksdk makes.
    Entry("GET", r"/network/?", status(200, 300)),
    Entry("GET", NETWORK + r"/?", status(200)),
    *(Entry("GET", NETWORK + f"/{kind}(/[^/]+)?", status(200))
      for kind in ("networks", "subnets", "ports", "security-groups", "security-group-rules")),
    *(Entry(method, NETWORK + f"/{kind}{item}", status(code))
      for kind in ("security-groups", "security-group-rules")
      for method, item, code in (("POST", "", 201), ("DELETE", "/[^/]+", 204))),
]


def entry_for(method, path):
    return next((e for e in TABLE if e.method == method and re.fullmatch(e.path, path)), None)


class Response(dict):
    """Headers (lower-case names) and status, as tempest's checks take a response."""

    def __init__(self, status, headers):
        super().__init__({name.lower(): value for name, value in headers.items()})
        self.status = status


def asked(request_headers):
    """The compute microversion a request asked for (its text), by either header, or None."""
    headers = {name.lower(): value for name, value in request_headers.items()}
    wanted = headers.get(NOVA_HEADER.lower())
    for part in headers.get("openstack-api-version", "").split(","):
        service, _, version = part.strip().partition(" ")
        if service.lower() == "compute":
            wanted = version.strip()
    return wanted


def problems(answer):
    method, path, code = answer["method"], answer["path"], answer["status"]
    if ELSEWHERE.fullmatch(path):
        return []
    entry = entry_for(method, path)
    call = f"{method} {path} -> {code}"
    if entry is None:
        return [f"{call}: no schema for this call in tests/support/cloudschemas.py TABLE"]
    response = Response(code, answer["headers"])
    found = []
    wanted = asked(answer["request_headers"]) if entry.microversioned else None
    try:
        version = api_version_request.APIVersionRequest(wanted)
    except exceptions.InvalidAPIVersionString:
        version = None  # refused by Nova before any version applies
    if version is not None and version.get_string() == "latest":
        version = api_version_request.APIVersionRequest(response.get(NOVA_HEADER.lower()))
    if code in rest_client.HTTP_SUCCESS + rest_client.HTTP_REDIRECTION:
        try:
            rest_client.RestClient.validate_response(entry.schema_at(version), response, answer["body"])
            if wanted and wanted != "latest":
                api_version_utils.assert_version_header_matches_request(NOVA_HEADER, wanted, response)
        except exceptions.TempestException as error:
            found.append(f"{call} at {wanted or 'no microversion'}: {_why(error)}")
    elif code == 401:
        if "www-authenticate" not in response:
            found.append(f"{call}: a 401 without WWW-Authenticate")
    elif entry.microversioned and version is not None and code != 406 and code < 500:
        if NOVA_HEADER.lower() not in response:  # (a 5xx may come from anything in front of Nova)
            found.append(f"{call} at {wanted or 'no microversion'}: an error without the microversion headers")
    return found


def _why(error):
    """Where and what, in one line: tempest's message shows the whole body."""
    cause = error.__context__
    if isinstance(cause, jsonschema.ValidationError):
        return f"{'/'.join(map(str, cause.absolute_path)) or 'the body'}: {cause.message}"
    return str(error).splitlines()[-1]


def recorded(folder):
    """Every answer recorded in `folder` by devclouds started with --record."""
    for file in sorted(Path(folder).glob("*.jsonl")):
        with open(file) as lines:
            yield from (json.loads(line) for line in lines if line.endswith("\n"))
