"""python -m tests.oidc.provider PORT: set the provider up in PROVIDER_STATE and serve it.

PROVIDER_CLIENT (JSON) registers the one client: client_id, client_secret, redirect_uri,
post_logout_redirect_uri.
"""
import json
import os
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

state = Path(os.environ["PROVIDER_STATE"])
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
(state / "signing-key.pem").write_bytes(key.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc.provider.settings"

import django  # noqa: E402

django.setup()
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from oauth2_provider.models import Application  # noqa: E402

from tests.oidc.provider.claims import people  # noqa: E402

call_command("migrate", verbosity=0)
for username, person in people().items():
    User.objects.create_user(username, password=person["password"])
client = json.loads(os.environ["PROVIDER_CLIENT"])
Application.objects.create(
    name="visa", client_id=client["client_id"], client_secret=client["client_secret"],
    client_type=Application.CLIENT_CONFIDENTIAL, authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
    redirect_uris=client["redirect_uri"], post_logout_redirect_uris=client["post_logout_redirect_uri"],
    algorithm=Application.RS256_ALGORITHM, skip_authorization=True,
)
call_command("runserver", f"127.0.0.1:{sys.argv[1]}", use_reloader=False, skip_checks=True)
