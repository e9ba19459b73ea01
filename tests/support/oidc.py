"""A real OpenID Connect provider on loopback (tests/oidc/provider), run as its own process, and
the settings that make a visa web process sign in through it."""
import copy
import json
import os
import subprocess
import sys

from tests.support.stack import ROOT, free_port, wait_for_port

PEOPLE = {
    "alice": {"password": "alice-at-aai", "preferred_username": "alice", "email": "alice@facility.test",
              "given_name": "Alice", "family_name": "Liddell", "groups": ["visa-users", "spb"],
              "facility_user_id": "F-1001"},
    "dave": {"password": "dave-at-aai", "preferred_username": "dave", "email": "dave@facility.test",
             "given_name": "Dave", "family_name": "Bowman", "groups": ["visa-users", "mid"],
             "facility_user_id": "F-1004"},
    "mallory": {"password": "mallory-at-aai", "preferred_username": "mallory", "email": "mallory@else.test",
                "given_name": "Mallory", "family_name": "Evil", "groups": ["guests"],
                "facility_user_id": "F-6666"},
}


class Provider:
    """The provider's process, with one client: visa, to run on visa_port. `people` is what it
    says about each account; change it and save() between sign-ins."""

    def __init__(self, state, visa_port):
        self.state, self.visa_port = state, visa_port
        visa_url = f"http://127.0.0.1:{visa_port}"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.people = copy.deepcopy(PEOPLE)
        self.save()
        client = {"client_id": "visa-tests", "client_secret": "visa-tests-secret",
                  "redirect_uri": f"{visa_url}/oidc/callback/", "post_logout_redirect_uri": f"{visa_url}/"}
        env = {"PROVIDER_STATE": str(state), "PROVIDER_CLIENT": json.dumps(client), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.oidc.provider", str(self.port)], cwd=ROOT, env={**os.environ, **env},
            stdout=open(state / "provider.log", "ab"), stderr=subprocess.STDOUT)
        wait_for_port(self.port, self.process)
        self.visa_env = {
            "OIDC_PROVIDER_NAME": "Test AAI",
            "OIDC_RP_CLIENT_ID": client["client_id"],
            "OIDC_RP_CLIENT_SECRET": client["client_secret"],
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.url}/o/authorize/",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.url}/o/token/",
            "OIDC_OP_USER_ENDPOINT": f"{self.url}/o/userinfo/",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.url}/o/.well-known/jwks.json",
            "OIDC_OP_LOGOUT_ENDPOINT": f"{self.url}/o/logout/",
            "OIDC_FACILITY_USER_ID_CLAIM": "facility_user_id",
            "OIDC_ALLOWED_GROUPS": "visa-users",
        }

    def save(self):
        (self.state / "people.json").write_text(json.dumps(self.people))

    def stop(self):
        self.process.terminate()
        self.process.wait(10)
