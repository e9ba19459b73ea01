"""Operators' notices reach every open page at once and at their start, and each person closes or
acknowledges them; a user's notifications ring the bell on their open pages. Through the real stack
(the admin in one browser page, the user in another) in Debian's chromium."""
import datetime
import re

import pytest
from django.utils import timezone

from notices.models import Notice, NoticeSeen
from quotas import increase
from quotas.models import Purpose, QuotaRequest
from tests.support.a11y import assert_accessible
from tests.support.browser import SHOTS
from tests.support.factories import make_user

WAIT = 10_000  # ms: a push travels over Redis from the process that saved the change


@pytest.fixture(autouse=True)
def no_notices_left(committed):
    yield
    Notice.objects.all().delete()


def operator_user():
    user = make_user()
    user.is_staff = user.is_superuser = True
    user.save()
    return user


def publish(admin, title, closing="dismissible", starts_in=None):
    admin.goto("/admin/notices/notice/add/")
    admin.get_by_label("Title").fill(title)
    admin.get_by_label("Text").fill("Desktops keep running; new launches wait until 22:00.")
    admin.get_by_label("Severity").select_option("warning")
    admin.get_by_label("Closing").select_option(closing)
    if starts_in is not None:
        starts = timezone.localtime(timezone.now() + starts_in)
        admin.locator("#id_starts_at_0").fill(starts.strftime("%Y-%m-%d"))
        admin.locator("#id_starts_at_1").fill(starts.strftime("%H:%M:%S"))
    admin.get_by_role("button", name="Save", exact=True).click()
    admin.get_by_text(f"“{title}” is published").wait_for()


def test_a_notice_published_in_admin_appears_on_open_pages_at_once_and_at_its_start(signed_in):
    user = make_user()
    page = signed_in(user)
    admin = signed_in(operator_user(), "/admin/")
    publish(admin, "Maintenance tonight")
    notice = page.locator("#notices").get_by_role("status").filter(has_text="Warning: Maintenance tonight")
    notice.wait_for(timeout=WAIT)  # no reload
    assert_accessible(page)
    page.screenshot(path=SHOTS / "notice.png")
    notice.get_by_role("button", name="Close").click()
    notice.wait_for(state="detached")
    page.reload()
    assert page.get_by_text("Maintenance tonight").count() == 0  # closed for this user for good

    publish(admin, "Storage incident", closing="acknowledge", starts_in=datetime.timedelta(seconds=4))
    incident = page.locator("#notices").filter(has_text="Storage incident")
    assert incident.count() == 0  # not yet
    incident.get_by_role("button", name="I have read this").wait_for(timeout=WAIT)  # at its start, no reload
    incident.get_by_role("button", name="I have read this").click()
    incident.wait_for(state="detached")
    assert NoticeSeen.objects.filter(notice__title="Storage incident", user=user).exists()  # admin lists it


def test_a_decision_rings_the_bell_on_the_open_page_and_the_notifications_page_reads_it(signed_in):
    user = make_user()
    page = signed_in(user)
    assert page.get_by_role("link", name="Notifications", exact=True).is_visible()  # nothing new
    asked = increase.ask(user, Purpose.MEMBER, {"max_instances": 3, "max_vcpus": 8, "max_ram_gb": 16,
                                                "max_lifetime_hours": 14 * 24}, "Three at once")
    admin = signed_in(operator_user(), "/admin/")
    admin.goto(f"/admin/quotas/quotarequest/{asked.pk}/change/")
    admin.get_by_role("button", name="Accept").click()
    admin.get_by_text("they were told by e-mail").wait_for()
    assert QuotaRequest.objects.get(pk=asked.pk).state == "accepted"
    bell = page.get_by_role("link", name="Notifications, 1 new")
    bell.wait_for(timeout=WAIT)  # pushed to the open page
    bell.click()
    page.get_by_role("heading", name="Notifications").wait_for()
    assert page.get_by_text(re.compile(r"^New: .*An operator accepted your request: your quota")).is_visible()
    assert_accessible(page)
    page.screenshot(path=SHOTS / "notifications.png")
    page.reload()
    assert page.get_by_role("link", name="Notifications", exact=True).is_visible()  # read now


def test_visitors_without_an_account_see_notices_and_close_them_for_their_session(client, db):
    Notice.objects.create(title="visa moves to a new data centre", closing=Notice.Closing.DISMISSIBLE)
    fixed = Notice.objects.create(title="Read-only until noon", closing=Notice.Closing.FIXED)
    Notice.objects.create(title="Later", starts_at=timezone.now() + datetime.timedelta(hours=1))
    page = client.get("/accounts/login/").content.decode()
    assert "visa moves to a new data centre" in page and "Read-only until noon" in page and "Later" not in page
    moved = Notice.objects.get(title="visa moves to a new data centre")
    answer = client.post(f"/notices/{moved.pk}/close", {"back": "/search"})
    assert answer.status_code == 302 and answer.url == "/search"
    client.post(f"/notices/{fixed.pk}/close")  # a fixed notice stays
    page = client.get("/accounts/login/").content.decode()
    assert "visa moves to a new data centre" not in page and "Read-only until noon" in page
    assert client.post("/notices/999999/close").status_code == 404
