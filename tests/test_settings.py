"""Production settings pass Django's deployment checks; outside the demo there is no secret key
but the one configured, and the demo makes a random one of its own; a bad value stops start-up with
a message naming the setting."""
import os
import secrets
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from visa import env

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, **env):
    """`manage.py *args` with the test runner's environment less its DJANGO_* settings (the
    browser fixture sets one that deployments must not) but a secret key, plus env (None: unset)."""
    base = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    base["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    env = {key: value for key, value in {**base, **env}.items() if value is not None}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)


def check_deploy(**env):
    return manage("check", "--deploy", "--fail-level", "WARNING", **env)


def test_production_settings_are_clean():
    result = check_deploy(DJANGO_HTTPS="1")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_database_urls_own_options_are_kept():
    """A facility's PostgreSQL over TLS: sslmode and server options in DATABASE_URL reach the
    connection, beside visa's pool and its own server option."""
    url = "postgres://visa@db.example:5432/visa?sslmode=verify-full&options=-c%20statement_timeout%3D5000"
    result = manage("shell", "-c", "from django.conf import settings; o = settings.DATABASES['default']['OPTIONS']; "
                    "print(o['sslmode'], '|', o['options'], '|', sorted(o['pool']))", DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "verify-full | -c jit=off -c statement_timeout=5000 | ['max_size', 'min_size', 'timeout']"


def test_without_a_secret_key_only_the_demo_starts():
    """With no key there is nothing to sign sessions and mount-agent tokens with but a key anyone
    could know: a deployment (DATABASE_URL set) refuses to start, saying what to set."""
    result = manage("check", DJANGO_SECRET_KEY="", DATABASE_URL="postgres://visa@127.0.0.1:5432/visa")
    assert result.returncode != 0
    assert ("ImproperlyConfigured: DJANGO_SECRET_KEY must be set because DATABASE_URL is set (only the demo, "
            "on its embedded database, makes its own key); make one with: python -c") in result.stderr


def test_the_demo_makes_a_random_key_once_and_keeps_it_to_itself(tmp_path):
    def demo_key():
        result = manage("shell", "-v0", "-c", "from django.conf import settings; print(settings.SECRET_KEY)",
                        DJANGO_SECRET_KEY=None, DATABASE_URL=None, VISA_VAR_DIR=str(tmp_path))
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    key = demo_key()
    assert len(key) >= 50 and demo_key() == key
    stored = tmp_path / "secret-key"
    assert stored.read_text() == key and stored.stat().st_mode & 0o777 == 0o600
    assert [path.name for path in tmp_path.iterdir()] == ["secret-key"]
    other = tmp_path / "other"
    other.mkdir()
    assert manage("shell", "-v0", "-c", "from django.conf import settings; print(settings.SECRET_KEY)",
                  DJANGO_SECRET_KEY=None, DATABASE_URL=None, VISA_VAR_DIR=str(other)).stdout.strip() != key


OIDC = {
    "OIDC_RP_CLIENT_ID": "visa", "OIDC_RP_CLIENT_SECRET": "s3cret",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://aai.example/auth", "OIDC_OP_TOKEN_ENDPOINT": "https://aai.example/token",
    "OIDC_OP_USER_ENDPOINT": "https://aai.example/userinfo", "OIDC_OP_JWKS_ENDPOINT": "https://aai.example/jwks",
}


def test_production_settings_with_openid_connect_are_clean():
    result = check_deploy(DJANGO_HTTPS="1", **OIDC)
    assert result.returncode == 0, result.stderr


def test_a_missing_oidc_endpoint_is_named_at_start():
    result = check_deploy(**{**OIDC, "OIDC_OP_TOKEN_ENDPOINT": ""})
    assert "OIDC_OP_TOKEN_ENDPOINT must be set because OIDC_RP_CLIENT_ID is set" in result.stderr


@pytest.mark.parametrize("name,value,message", [
    ("VISA_POLL_INTERVAL", "fast", "VISA_POLL_INTERVAL must be a number of seconds above 0, not 'fast'"),
    ("VISA_STUCK_AFTER", "-120", "VISA_STUCK_AFTER must be a number of seconds above 0, not '-120'"),
    ("VISA_DATA_MOUNT_METHOD", "smb", "VISA_DATA_MOUNT_METHOD must be nfs or webdav, not 'smb'"),
    ("VISA_TIME_ZONE", "Europe/Hamburg",
     "VISA_TIME_ZONE must be a time zone name such as Europe/Berlin, not 'Europe/Hamburg'"),
    ("EMAIL_PORT", "smtp", "EMAIL_PORT must be a whole number of at least 1, not 'smtp'"),
    ("VISA_METRICS_ALLOW", "10.0.0.0/8, 10.300.0.1",
     "VISA_METRICS_ALLOW must be IP addresses or networks such as 10.0.0.5 or 10.1.0.0/16, not '10.300.0.1'"),
    ("VISA_NOTEBOOK_ORIGIN", "https://notebooks.example.org/{uuid}",
     "VISA_NOTEBOOK_ORIGIN must be an origin whose host name holds {uuid}, such as "
     "https://{uuid}.notebooks.example.org, not 'https://notebooks.example.org/{uuid}'"),
])
def test_a_bad_value_stops_start_up_naming_the_setting(name, value, message):
    result = manage("check", **{name: value})
    assert result.returncode != 0
    assert f"django.core.exceptions.ImproperlyConfigured: {message}" in result.stderr


@pytest.mark.parametrize("value,read,expected", [
    ("2.5", partial(env.integer, default=0), "a whole number of at least 0"),
    ("0", partial(env.integer, default=1, minimum=1), "a whole number of at least 1"),
    ("0", partial(env.seconds, default=1), "a number of seconds above 0"),
    ("inf", partial(env.seconds, default=1), "a number of seconds above 0"),
    ("-1", partial(env.seconds, default=1, zero=True), "a number of seconds of 0 or more"),
    ("nan", partial(env.hours, default=1, zero=True), "a number of hours of 0 or more"),
    ("ture", env.flag, "on (1, true, yes or on) or off (0, false, no or off)"),
    ("INFO", partial(env.choice, default="info", choices=("debug", "info")), "debug or info"),
    ("visa.example.org", partial(env.url, default=""), "an http:// or https:// URL"),
    ("data", partial(env.absolute_path, default="/data"), "an absolute path"),
    ("/pnfs/{proposal}", partial(env.template, default="/pnfs/{facility}/{proposal_id}"),
     "a text with no placeholder but {facility} or {proposal_id}"),
    ("[", partial(env.regex, default=".+"), "a regular expression (unterminated character set at position 0)"),
    ("intranet", env.networks, "IP addresses or networks such as 10.0.0.5 or 10.1.0.0/16"),
    ("60/min", partial(env.rate, default="60/minute"),
     "a number of requests per second, minute, hour or day, such as 60/minute"),
])
def test_readers_refuse_a_bad_value_saying_what_they_expect(monkeypatch, value, read, expected):
    monkeypatch.setenv("VISA_TEST", value)
    with pytest.raises(ImproperlyConfigured) as refused:
        read("VISA_TEST")
    assert str(refused.value) == f"VISA_TEST must be {expected}, not {value!r}"


def test_readers_return_the_value_or_the_default(monkeypatch):
    monkeypatch.delenv("VISA_TEST", raising=False)
    assert env.seconds("VISA_TEST", 0.2) == 0.2
    assert env.flag("VISA_TEST", True) is True
    assert env.time_zone("VISA_TEST", "Europe/Berlin") == "Europe/Berlin"
    monkeypatch.setenv("VISA_TEST", "0")
    assert env.seconds("VISA_TEST", 1, zero=True) == 0.0
    assert env.integer("VISA_TEST", 3) == 0
    assert env.flag("VISA_TEST", True) is False
    monkeypatch.setenv("VISA_TEST", "1.5")
    assert env.hours("VISA_TEST", 48) == 1.5
    monkeypatch.setenv("VISA_TEST", "YES")
    assert env.flag("VISA_TEST") is True
    monkeypatch.setenv("VISA_TEST", "5/hour")
    assert env.rate("VISA_TEST", "60/minute") == "5/hour"
