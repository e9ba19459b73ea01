"""Personal API tokens: made on their page (the secret shown once, stored hashed), used by a script
with `Authorization: Bearer`, refused once revoked or expired; operators see and revoke them."""
import datetime
import hashlib
import re

from django.utils import timezone

from apitokens import services
from apitokens.models import ApiToken
from tests.support.apiclient import ApiClient
from tests.support.factories import make_user
from tests.support.web import WebUser


def test_a_token_made_on_its_page_signs_a_script_in_until_it_is_revoked(stack, committed):
    user = make_user()
    browser = WebUser(stack.url, user.username, "pw-for-tests")
    made = browser.post_form("/account/api-tokens", "/account/api-tokens", {"name": "nightly sync", "expires_in": "30"})
    assert made.status_code == 201
    secret = re.search(r'<code id="new-token">([^<]+)</code>', made.text)[1]

    token = ApiToken.objects.get(user=user)
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest() and secret.startswith(token.prefix)
    assert secret not in str(list(ApiToken.objects.filter(pk=token.pk).values()))  # only its hash is kept
    assert 29 <= (token.expires_at - timezone.now()).days <= 30
    page = browser.get("/account/api-tokens").text
    assert "nightly sync" in page and token.prefix in page and secret not in page  # shown only once

    script = ApiClient(stack.url, secret=secret)
    assert script.get("/api/quota/").status_code == 200
    # No CSRF token is needed with a token: a cross-site page cannot send this header.
    assert script.post("/api/instances/", {"image": "none"}).status_code == 400
    token.refresh_from_db()
    assert token.last_used_at is not None

    browser.post_form("/account/api-tokens", f"/account/api-tokens/{token.pk}/revoke", {})
    refused = script.get("/api/quota/")
    assert refused.status_code == 401 and refused.json() == {"detail": "This API token was revoked."}
    assert refused.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    assert "This API token was revoked." in browser.get("/account/api-tokens").text


def test_bad_expired_and_missing_tokens_are_refused_with_a_reason(stack, committed):
    user = make_user()
    _, secret = services.create(user, "old", expires_at=timezone.now() - datetime.timedelta(seconds=1))
    expired = ApiClient(stack.url, secret=secret).get("/api/quota/")
    assert expired.status_code == 401 and expired.json()["detail"] == "This API token has expired."

    wrong = ApiClient(stack.url, secret=secret[:-2]).get("/api/quota/")
    assert wrong.status_code == 401 and "not valid" in wrong.json()["detail"]
    nobody = ApiClient(stack.url, secret="").get("/api/quota/")
    assert nobody.status_code == 401
    anonymous = WebUser(stack.url).get("/api/instances/")
    assert anonymous.status_code == 401 and "credentials were not provided" in anonymous.json()["detail"]

    user.is_active = False
    user.save()
    _, secret = services.create(user, "disabled")
    disabled = ApiClient(stack.url, secret=secret).get("/api/quota/")
    assert disabled.status_code == 401 and "disabled" in disabled.json()["detail"]


def test_the_browser_keeps_its_session_and_csrf(stack, committed):
    browser = WebUser(stack.url, make_user().username, "pw-for-tests")
    assert browser.get("/api/quota/").status_code == 200
    refused = browser.http.post(stack.url + "/api/instances/", json={})
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert browser.post_json("/api/instances/", {"image": "none"}).status_code == 400


def test_operators_see_tokens_without_secrets_and_revoke_them(admin_client):
    _, secret = services.create(make_user(), "lab notebook")
    listing = admin_client.get("/admin/apitokens/apitoken/").content.decode()
    assert "lab notebook" in listing and secret[:services.PREFIX_LENGTH] in listing and secret not in listing
    token = ApiToken.objects.get(name="lab notebook")
    admin_client.post("/admin/apitokens/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.problem() == "This API token was revoked."
    assert admin_client.get("/admin/apitokens/apitoken/add/").status_code == 403
