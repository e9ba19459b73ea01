"""Keystone v3: version discovery and password authentication with a service catalog.

One user in one project. Tokens are signed rather than stored, with a secret kept in the state file,
so clients stay signed in across a devcloud restart, as they would across a Keystone restart.
"""
import hashlib
import hmac
import time
import uuid
from datetime import UTC, datetime

from .web import HttpError, Reply, Routes, unauthorized

routes = Routes()

TOKEN_SECONDS = 12 * 3600
REGION = "RegionOne"
DOMAIN = {"id": "default", "name": "Default"}


class Identity:
    def __init__(self, username, password, project, secret):
        self.username, self.password, self.project = username, password, project
        self.user_id = _stable_id("user", username)
        self.project_id = _stable_id("project", project)
        self._secret = secret.encode()

    def authenticate(self, auth):
        """Whether a POST /v3/auth/tokens body's `auth` names our user, password and project."""
        identity = auth.get("identity") or {}
        user = (identity.get("password") or {}).get("user") or {}
        project = ((auth.get("scope") or {}).get("project")) or {}
        return (
            "password" in (identity.get("methods") or [])
            and _names(user, self.user_id, self.username)
            and hmac.compare_digest(str(user.get("password", "")).encode(), self.password.encode())
            and _names(project, self.project_id, self.project)
        )

    def issue(self):
        expires = int(time.time()) + TOKEN_SECONDS
        return f"{expires}.{self._sign(expires)}", expires

    def valid(self, token):
        """The expiry time of a token we issued that has not expired yet, else None."""
        expires, _, signature = (token or "").partition(".")
        if not expires.isdigit() or not hmac.compare_digest(signature, self._sign(int(expires))):
            return None
        return int(expires) if int(expires) > time.time() else None

    def _sign(self, expires):
        return hmac.new(self._secret, str(expires).encode(), hashlib.sha256).hexdigest()


def _stable_id(kind, name):
    return uuid.uuid5(uuid.NAMESPACE_URL, f"devcloud:{kind}:{name}").hex


def _names(reference, id, name):
    """Whether a user or project reference in a token request means (id, name) in the Default domain."""
    if reference.get("id"):
        return reference["id"] == id
    domain = reference.get("domain") or {}
    in_default = domain.get("id") == DOMAIN["id"] or domain.get("name") == DOMAIN["name"]
    return reference.get("name") == name and in_default


def _timestamp(seconds):
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _version(base_url):
    return {
        "id": "v3.14",
        "status": "stable",
        "updated": "2020-04-07T00:00:00Z",
        "links": [{"rel": "self", "href": f"{base_url}/v3/"}],
        "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}],
    }


def _catalog(base_url):
    services = [
        ("identity", "keystone", base_url),
        ("compute", "nova", f"{base_url}/compute/v2.1"),
        ("image", "glance", f"{base_url}/image"),
        ("network", "neutron", f"{base_url}/network"),
    ]
    return [
        {
            "id": _stable_id("service", kind),
            "type": kind,
            "name": name,
            "endpoints": [
                {
                    "id": _stable_id("endpoint", f"{kind}:{interface}"),
                    "interface": interface,
                    "region": REGION,
                    "region_id": REGION,
                    "url": url,
                }
                for interface in ("public", "internal", "admin")
            ],
        }
        for kind, name, url in services
    ]


def _token(request, expires):
    identity = request.app.identity
    return {
        "token": {
            "methods": ["password"],
            "user": {
                "id": identity.user_id,
                "name": identity.username,
                "domain": DOMAIN,
                "password_expires_at": None,
            },
            "project": {"id": identity.project_id, "name": identity.project, "domain": DOMAIN},
            "is_domain": False,
            "roles": [{"id": _stable_id("role", r), "name": r} for r in ("member", "reader")],
            "audit_ids": [uuid.uuid4().hex[:22]],
            "issued_at": _timestamp(expires - TOKEN_SECONDS),
            "expires_at": _timestamp(expires),
            "catalog": _catalog(request.base_url),
        }
    }


@routes.add("GET", "/", public=True)
def versions(request):
    return Reply(300, {"versions": {"values": [_version(request.base_url)]}})


@routes.add("GET", "/v3/?", public=True)
def version(request):
    return Reply(200, {"version": _version(request.base_url)})


@routes.add("POST", "/v3/auth/tokens", public=True)
def create_token(request):
    identity = request.app.identity
    if not identity.authenticate(request.json().get("auth") or {}):
        raise unauthorized(request)
    token, expires = identity.issue()
    return Reply(201, _token(request, expires), {"X-Subject-Token": token})


@routes.add("GET", "/v3/auth/tokens")
def validate_token(request):
    expires = request.app.identity.valid(request.headers.get("X-Subject-Token"))
    if expires is None:
        raise HttpError(404, {"error": {"code": 404, "title": "Not Found", "message": "Could not find token."}})
    return Reply(200, _token(request, expires))


def _collection(request):
    """The `links` of a Keystone collection that fits on one page."""
    return {"self": f"{request.base_url}{request.path}", "previous": None, "next": None}


@routes.add("GET", "/v3/auth/catalog")
def catalog(request):
    return Reply(200, {"catalog": _catalog(request.base_url), "links": _collection(request)})


@routes.add("GET", "/v3/auth/projects")
def projects(request):
    identity = request.app.identity
    project = {
        "id": identity.project_id,
        "name": identity.project,
        "domain_id": DOMAIN["id"],
        "description": "",
        "enabled": True,
        "parent_id": DOMAIN["id"],
        "is_domain": False,
        "tags": [],
        "options": {},
        "links": {"self": f"{request.base_url}/v3/projects/{identity.project_id}"},
    }
    return Reply(200, {"projects": [project], "links": _collection(request)})
