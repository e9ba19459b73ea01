"""Signing in through a real OpenID Connect provider, in Debian's chromium: the first sign-in
creates the user from the claims, groups follow the provider, signing out ends both sessions,
and the provider's refusals leave nobody signed in."""
import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.support.browser import SHOTS, open_page
from tests.support.factories import make_user
from tests.support.web import WebUser

DOI_PAGE = "/doi/10.22003/XFEL.EU-DATA-700000-00"


@pytest.fixture
def page(browser, oidc_stack):
    page = open_page(browser, oidc_stack.url)
    yield page
    page.context.close()


def sign_in_at_provider(page, provider, username, password):
    page.get_by_role("link", name="Sign in with Test AAI").click()
    page.wait_for_url(re.compile(re.escape(provider.url) + "/login/"))
    page.get_by_label("Login").fill(username)
    page.get_by_label("Secret").fill(password)
    page.get_by_role("button", name="Log in").click()


def user_named(username):
    return get_user_model().objects.filter(username=username).first()


def group_names(user):
    return set(user.groups.values_list("name", flat=True))


def test_first_sign_in_creates_the_user_and_signing_out_ends_both_sessions(page, provider, oidc_stack, committed):
    page.goto(DOI_PAGE)
    page.get_by_role("link", name="Sign in").first.click()
    assert page.get_by_label("User name").is_visible()  # the local form stays beside the provider
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "sign-in-with-provider.png")
    sign_in_at_provider(page, provider, "alice", "alice-at-aai")

    page.wait_for_url(oidc_stack.url + DOI_PAGE)
    assert page.get_by_text("Alice Liddell").is_visible()
    assert page.get_by_role("button", name="Launch").is_visible()
    alice = user_named("alice")
    assert (alice.email, alice.first_name, alice.last_name) == ("alice@facility.test", "Alice", "Liddell")
    assert group_names(alice) == {"visa-users", "spb"}
    assert alice.facility_account.facility_user_id == "F-1001"
    assert not alice.has_usable_password()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile("/accounts/login/"))  # home, for the signed-in only
    assert page.get_by_role("navigation").get_by_role("link", name="Sign in", exact=True).is_visible()
    # Signed out at the provider too: it asks for the password again.
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Sign in with Test AAI").click()
    page.wait_for_url(re.compile(re.escape(provider.url) + "/login/"))
    assert page.get_by_label("Secret").is_visible()


def test_groups_follow_the_provider_at_every_sign_in(page, provider, oidc_stack, committed):
    page.goto("/accounts/login/")
    sign_in_at_provider(page, provider, "dave", "dave-at-aai")
    page.wait_for_url(oidc_stack.url + "/")
    assert group_names(user_named("dave")) == {"visa-users", "mid"}
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile("/accounts/login/"))

    provider.people["dave"].update(groups=["visa-users", "fxe"], given_name="David")
    provider.save()
    page.goto("/accounts/login/")
    sign_in_at_provider(page, provider, "dave", "dave-at-aai")
    page.wait_for_url(oidc_stack.url + "/")
    assert page.get_by_text("David Bowman").is_visible()
    assert group_names(user_named("dave")) == {"visa-users", "fxe"}


def test_a_wrong_password_at_the_provider_signs_nobody_in(page, provider, oidc_stack, committed):
    page.goto("/accounts/login/")
    sign_in_at_provider(page, provider, "alice", "not-alice's")
    expect(page.get_by_role("alert").get_by_text("Wrong user name or password")).to_be_visible()
    page.goto(DOI_PAGE)
    assert page.get_by_role("navigation").get_by_role("link", name="Sign in", exact=True).is_visible()


def test_someone_outside_the_allowed_groups_is_refused(page, provider, oidc_stack, committed):
    page.goto("/accounts/login/")
    sign_in_at_provider(page, provider, "mallory", "mallory-at-aai")

    page.wait_for_url(oidc_stack.url + "/accounts/login/")
    assert page.get_by_role("status").get_by_text("Signing in with Test AAI did not succeed").is_visible()
    assert page.get_by_role("link", name="Sign in with Test AAI").is_visible()
    assert user_named("mallory") is None


def test_local_accounts_still_sign_in_beside_the_provider(oidc_stack, committed):
    operator = make_user()
    WebUser(oidc_stack.url, operator.username, "pw-for-tests")  # asserts it lands signed in
