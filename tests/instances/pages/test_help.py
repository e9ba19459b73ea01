"""The help page: reached from the header by everyone, by keyboard too, accessible; what it says about
lifetimes, warnings, links and the owner leaving is rendered from the settings."""
import re

import pytest
from django.test import override_settings

from tests.support.a11y import assert_accessible
from tests.support.browser import SHOTS, sign_in
from tests.support.factories import make_user

SECTIONS = ["Launching a desktop", "Data", "Sharing", "How long a desktop lives", "When something fails"]


def test_everyone_opens_help_from_the_header_by_keyboard(page, committed):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto("/accounts/login/")
    header = page.get_by_role("navigation", name="Main")
    for _ in range(10):  # signed out: Tab along the header to Help, Enter follows it
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Help":
            break
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/help$"))
    for section in SECTIONS:
        assert page.get_by_role("heading", name=section, exact=True).is_visible()
    assert page.get_by_text("after 4 days without use").is_visible()  # the stack's default
    page.get_by_role("link", name="When something fails").click()
    assert page.url.endswith("/help#trouble")
    page.screenshot(path=SHOTS / "help.png", full_page=True)
    assert_accessible(page)

    header.get_by_role("link", name="Sign in").click()
    sign_in(page, make_user())
    page.wait_for_url(re.compile(r"/help$"))  # back where they were
    header.get_by_role("link", name="Help").click()
    page.get_by_role("heading", name="Help", exact=True).wait_for()
    assert_accessible(page)


@pytest.mark.django_db
def test_numbers_and_choices_come_from_the_settings(client):
    with override_settings(VISA_LIFETIME_HOURS=36, VISA_INACTIVITY_HOURS=12, VISA_LIFETIME_WARNING_HOURS=0,
                           VISA_INACTIVITY_WARNING_HOURS=3, VISA_OWNER_LEAVES="lock", VISA_OWNER_GRACE=10,
                           VISA_DATA_MOUNT_ROOT="/mnt/beamtime", VISA_EMBARGO_YEARS=1):
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", client.get("/help").content.decode()))
    assert "its lifetime, 1.5 days unless" in text
    assert "after 12 hours without use" in text
    assert "you get an e-mail 3 hours before an unused desktop is deleted." in text  # no lifetime warning
    assert "the room is locked after 10 seconds" in text
    assert "at /mnt/beamtime/ followed by its proposal number" in text
    assert "or else 1 year after the experiment ended" in text
    assert "A link expires after at most 14 days" in text
