"""Failed sign-ins are throttled per account and per address on the login page, the admin's login
and API tokens, with a page saying when to try again; operators see and lift lockouts in admin.
Each test comes from addresses of its own (X-Forwarded-For, which uvicorn trusts from loopback),
so the tests' own address is never locked."""
import re

import pytest
import requests
from axes.models import AccessAttempt

from tests.support.apiclient import ApiClient
from tests.support.factories import make_user
from tests.support.stack import Stack
from tests.support.web import WebUser

LIMIT = 10  # VISA_SIGNIN_FAILURES's default
LOCKED = "Too many failed sign-ins for this account or from your address. Try again in 15 minutes, at "


def sign_in(base_url, username, password, address, path="/accounts/login/"):
    """Post the sign-in form from `address`; the answer."""
    http = requests.Session()
    http.headers["X-Forwarded-For"] = address
    page = http.get(base_url + path)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    return http.post(base_url + path, data={"username": username, "password": password,
                                            "csrfmiddlewaretoken": token}, headers={"Referer": base_url + path})


@pytest.fixture(scope="module")
def stack(seeded, devcloud, tmp_path_factory, django_db_blocker):
    """visa's web process with the default limits (the shared stack's are off: tests/support/stack.py),
    with no failures counted yet (other tests fail sign-ins from loopback on purpose)."""
    with django_db_blocker.unblock():
        AccessAttempt.objects.all().delete()
    stack = Stack(tmp_path_factory.mktemp("lockout"), devcloud.auth_url, worker=False,
                  env={"VISA_SIGNIN_FAILURES": str(LIMIT)})
    yield stack
    stack.stop()


def signed_in(answer):
    return answer.status_code == 200 and "/accounts/login/" not in answer.url and "/admin/login/" not in answer.url


def test_wrong_passwords_lock_the_account_and_the_address_until_a_time_the_page_says(stack, committed):
    victim, bystander = make_user(), make_user()
    for _ in range(LIMIT - 1):
        wrong = sign_in(stack.url, victim.username, "guess", "203.0.113.7")
        assert "did not match" in wrong.text
    assert LOCKED in sign_in(stack.url, victim.username, "guess", "203.0.113.7").text  # the last one allowed
    refused = sign_in(stack.url, victim.username, "pw-for-tests", "203.0.113.7")  # the right password
    assert refused.status_code == 429 and LOCKED in refused.text
    assert 890 <= int(refused.headers["Retry-After"]) <= 900
    # The account is locked from everywhere, and the address for every account...
    assert sign_in(stack.url, victim.username, "pw-for-tests", "198.51.100.1").status_code == 429
    assert sign_in(stack.url, bystander.username, "pw-for-tests", "203.0.113.7").status_code == 429
    # ...but another account from another address signs in as ever.
    assert signed_in(sign_in(stack.url, bystander.username, "pw-for-tests", "198.51.100.2"))


def test_the_admin_login_is_throttled_and_operators_lift_a_lockout_there(stack, committed):
    operator = make_user()
    operator.is_staff = operator.is_superuser = True
    operator.save()
    for _ in range(LIMIT):
        sign_in(stack.url, operator.username, "guess", "203.0.113.8", path="/admin/login/")
    refused = sign_in(stack.url, operator.username, "pw-for-tests", "198.51.100.3", path="/admin/login/")
    assert refused.status_code == 429 and LOCKED in refused.text

    colleague = make_user()
    colleague.is_staff = colleague.is_superuser = True
    colleague.save()
    admin = WebUser(stack.url, colleague.username, "pw-for-tests")
    listing = admin.get("/admin/axes/accessattempt/").text
    assert operator.username in listing and "203.0.113.8" in listing
    ids = re.findall(r'name="_selected_action" value="(\d+)"', listing)
    admin.post_form("/admin/axes/accessattempt/", "/admin/axes/accessattempt/",
                    {"action": "delete_selected", "_selected_action": ids, "post": "yes"})
    assert signed_in(sign_in(stack.url, operator.username, "pw-for-tests", "198.51.100.3", path="/admin/login/"))


def test_wrong_api_tokens_lock_the_address_with_when_to_try_again(stack, committed):
    user = make_user()
    script = ApiClient(stack.url, user)
    script.http.headers["X-Forwarded-For"] = "203.0.113.9"
    guesser = ApiClient(stack.url, secret="not-a-token")
    guesser.http.headers["X-Forwarded-For"] = "203.0.113.9"
    for _ in range(LIMIT - 1):
        assert guesser.get("/api/quota/").status_code == 401
    assert guesser.get("/api/quota/").status_code == 429  # the last one allowed
    refused = script.get("/api/quota/")  # even a good token, from that address
    assert refused.status_code == 429 and refused.json()["detail"].startswith(LOCKED)
    assert 890 <= int(refused.headers["Retry-After"]) <= 900
    script.http.headers["X-Forwarded-For"] = "198.51.100.4"
    assert script.get("/api/quota/").status_code == 200
