"""Production settings pass Django's deployment checks; the demo's key never passes them."""
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def check_deploy(**env):
    """`manage.py check --deploy` with the test runner's environment less its DJANGO_* settings
    (the browser fixture sets one that deployments must not), plus env."""
    base = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env={**base, **env}, capture_output=True, text=True,
    )


def test_production_settings_are_clean():
    result = check_deploy(DJANGO_HTTPS="1", DJANGO_SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_demo_secret_key_is_refused_for_production():
    result = check_deploy(DJANGO_HTTPS="1")
    assert result.returncode != 0 and "security.W009" in result.stderr


OIDC = {
    "OIDC_RP_CLIENT_ID": "visa", "OIDC_RP_CLIENT_SECRET": "s3cret",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://aai.example/auth", "OIDC_OP_TOKEN_ENDPOINT": "https://aai.example/token",
    "OIDC_OP_USER_ENDPOINT": "https://aai.example/userinfo", "OIDC_OP_JWKS_ENDPOINT": "https://aai.example/jwks",
}


def test_production_settings_with_openid_connect_are_clean():
    result = check_deploy(DJANGO_HTTPS="1", DJANGO_SECRET_KEY=secrets.token_urlsafe(50), **OIDC)
    assert result.returncode == 0, result.stderr


def test_a_missing_oidc_endpoint_is_named_at_start():
    result = check_deploy(**{**OIDC, "OIDC_OP_TOKEN_ENDPOINT": ""})
    assert "OIDC_OP_TOKEN_ENDPOINT must be set because OIDC_RP_CLIENT_ID is set" in result.stderr
