"""Asking for more: a user past their quota asks the operators for bigger limits from the refusal;
an operator accepts (the user gets a quota of their own) or refuses; the user hears either way."""
import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail

from instances.models import Flavour, Instance
from quotas import increase
from quotas.limits import limits_for
from quotas.models import Purpose, Quota, QuotaRequest
from tests.support.a11y import assert_accessible
from tests.support.browser import SHOTS, open_page, sign_in
from tests.support.cleanup import remove
from tests.support.factories import make_user
from tests.support.web import DEMO_DOI_PAGE

INSTANCE_PAGE = re.compile(r"/instances/[0-9a-f-]{36}/$")
FORM = {"purpose": "member", "max_instances": "2", "max_vcpus": "8", "max_ram_gb": "16", "lifetime_days": "14",
        "reason": "Tomography reconstructions in parallel"}


@pytest.fixture
def asker(db, client):
    user = make_user()
    user.email = f"{user.username}@example.org"
    user.save()
    operator = make_user()
    operator.is_staff, operator.email = True, "ops@example.org"
    operator.save()
    client.force_login(user)
    return user


def test_the_form_starts_from_the_limits_that_apply_and_asks_for_more_than_them(asker, client):
    page = client.get("/quotas/more?purpose=open")
    assert page.status_code == 200
    assert "the default quota allows 1 running instance, 4 vCPUs and 8 GB of RAM" in " ".join(page.text.split())
    assert 'name="max_instances" value="1"' in page.text and 'name="lifetime_days" value="7"' in page.text

    same = client.post("/quotas/more", {**FORM, "purpose": "open", "max_instances": "1", "max_vcpus": "4",
                                        "max_ram_gb": "8", "lifetime_days": "7"})
    assert same.status_code == 400 and "Raise at least one of the figures" in same.text
    lower = client.post("/quotas/more", {**FORM, "max_instances": "1", "max_vcpus": "12"})
    assert lower.status_code == 400 and "You have 2 already: ask for at least that." in lower.text
    assert 'aria-invalid="true"' in lower.text and 'aria-describedby="id_max_instances_error"' in lower.text
    unsaid = client.post("/quotas/more", {**FORM, "max_vcpus": "12", "reason": " "})
    assert "Tell the operators what you need it for." in unsaid.text
    assert client.post("/quotas/more", {**FORM, "max_vcpus": "999999"}).status_code == 400
    assert client.post("/quotas/more", {**FORM, "max_vcpus": "12", "reason": "a\x00b"}).status_code == 400
    assert not QuotaRequest.objects.exists() and not mail.outbox


def test_one_request_waits_at_a_time_and_the_operators_are_told(asker, client):
    sent = client.post("/quotas/more", {**FORM, "max_vcpus": "16", "back": "https://elsewhere.example/"})
    assert sent.status_code == 302 and sent.url == "/"  # never back to another site
    again = client.post("/quotas/more", {**FORM, "max_vcpus": "32"}, follow=True)
    assert "is waiting for an operator (2 instances, 16 vCPUs, 16 GB)" in " ".join(again.text.split())
    assert QuotaRequest.objects.get().max_vcpus == 16
    [message] = mail.outbox
    assert "ops@example.org" in message.to and asker.username in message.subject
    assert "vCPUs: 8 -> 16" in message.body and "Tomography reconstructions" in message.body
    # the other purpose is a request of its own
    assert client.post("/quotas/more", {**FORM, "purpose": "open", "max_vcpus": "4", "max_ram_gb": "8",
                                        "lifetime_days": "7"}).status_code == 302
    assert QuotaRequest.objects.filter(state=QuotaRequest.State.PENDING).count() == 2


def test_accepting_gives_a_quota_of_ones_own_from_the_groups_limits_and_refusing_tells_the_user(asker, client):
    group = Group.objects.create(name="Tomographers")
    asker.groups.add(group)
    small = Flavour.objects.get(name="m1.small")
    group_quota = Quota.objects.create(group=group, purpose=Purpose.MEMBER, max_instances=3, max_vcpus=12)
    group_quota.flavours.set([small])
    operator = make_user()
    wanted = {"max_instances": 3, "max_vcpus": 24, "max_ram_gb": 16, "max_lifetime_hours": 14 * 24}
    request = increase.ask(asker, Purpose.MEMBER, wanted, "More cores")
    assert increase.decide(request, operator, accept=True)
    assert not increase.decide(request, operator, accept=False)  # decided once
    limits = limits_for(asker, Purpose.MEMBER)
    assert (limits.source, limits.instances, limits.vcpus) == ("your own quota", 3, 24)
    assert limits.flavour_ids == {small.pk}  # what the group allowed still holds
    assert mail.outbox[-1].to == [asker.email] and "your quota was raised" in mail.outbox[-1].subject
    assert "3 running instances, 24 vCPUs" in mail.outbox[-1].body

    refused = increase.ask(asker, Purpose.MEMBER, {**wanted, "max_instances": 9}, "Even more")
    assert increase.decide(refused, operator, accept=False)
    assert limits_for(asker, Purpose.MEMBER).instances == 3
    assert "refused" in mail.outbox[-1].subject
    page = client.get("/quotas/more?purpose=member")
    assert re.search(r"Your request of .* was refused", page.text)


def test_past_the_count_the_doi_page_says_so_before_launch_and_leads_to_asking_for_more(browser, stack, committed):
    user = make_user()
    Quota.objects.create(user=user, purpose=Purpose.OPEN_DATA, max_instances=1)
    page = open_page(browser, stack.url)
    try:
        page.goto("/accounts/login/")
        sign_in(page, user)
        page.goto(DEMO_DOI_PAGE)
        page.get_by_role("button", name="Launch").click()
        page.wait_for_url(INSTANCE_PAGE)

        page.goto(DEMO_DOI_PAGE)
        full = page.locator("#full")
        assert full.inner_text().startswith("1 of 1 open-data instances running: delete one, or ask for more.")
        # Launch still takes the user to the desktop they have, but offers no second one
        assert page.get_by_label("a second desktop, not the one I have").count() == 0
        # every size is greyed with the true reason: the count, not the vCPUs
        assert page.get_by_text("Unavailable: 1 of 1 open-data instances running.").count() == Flavour.objects.filter(
            enabled=True).count()
        assert_accessible(page)
        page.screenshot(path=SHOTS / "doi-full.png", full_page=True)

        full.get_by_role("link", name="Ask for more").click()
        page.get_by_role("heading", name="Ask for a bigger quota").wait_for()
        page.get_by_label("Running instances").fill("2")
        page.get_by_label("What you need it for").fill("Two beamtimes to compare side by side")
        assert_accessible(page)
        page.get_by_role("button", name="Send the request").click()
        page.get_by_text("Your request was sent to the operators").wait_for()
        assert page.url.endswith(DEMO_DOI_PAGE)  # back where the user was
        request = QuotaRequest.objects.get(user=user)
        assert (request.purpose, request.max_instances) == ("open", 2)

        assert increase.decide(request, make_user(), accept=True)
        page.reload()
        assert page.locator("#full").count() == 0
        page.get_by_label("a second desktop, not the one I have").check()
        page.get_by_role("button", name="Launch").click()
        page.wait_for_url(INSTANCE_PAGE)
        assert Instance.objects.filter(owner=user).count() == 2
    finally:
        page.context.close()
        remove(list(Instance.objects.filter(owner=user)))


def test_with_no_instance_left_and_none_to_go_to_the_doi_page_disables_launch_and_says_why(asker, client):
    Quota.objects.create(user=asker, purpose=Purpose.OPEN_DATA, max_instances=0)
    page = " ".join(client.get(DEMO_DOI_PAGE).text.split())
    assert "0 of 0 open-data instances running: delete one, or ask for more." in page
    assert '<button type="submit" disabled aria-describedby="full">Launch</button>' in page
    assert f'href="/quotas/more?purpose=open&amp;back={DEMO_DOI_PAGE}">Ask for more</a>' in page


def test_operators_find_requests_waiting_and_accept_or_refuse_them_in_admin(asker, admin_client):
    wanted = {"max_instances": 3, "max_vcpus": 12, "max_ram_gb": 24, "max_lifetime_hours": 14 * 24}
    asked = increase.ask(asker, Purpose.MEMBER, wanted, "Three beamtimes at once")
    front = " ".join(admin_client.get("/admin/").content.decode().split())
    assert "Requests for a bigger quota" in front and "/admin/quotas/quotarequest/?state__exact=pending" in front
    page = admin_client.get(f"/admin/quotas/quotarequest/{asked.pk}/change/").content.decode()
    assert "3 running instances, 12 vCPUs, 24 GB RAM, 14 days each" in page and "Three beamtimes at once" in page
    answer = admin_client.post(f"/admin/quotas/quotarequest/{asked.pk}/press/accept/", follow=True)
    assert f"Accepted {asker.username}&#x27;s request for a bigger quota; they were told by e-mail." in (
        answer.content.decode())
    assert limits_for(asker, Purpose.MEMBER).vcpus == 12
    assert "press/accept/" not in answer.content.decode()  # decided: no more buttons

    other = increase.ask(asker, Purpose.OPEN_DATA, {**wanted, "max_instances": 2}, "More open data")
    listed = admin_client.post("/admin/quotas/quotarequest/", {
        "action": "refuse", "_selected_action": [other.pk]}, follow=True)
    assert f"Refused {asker.username}&#x27;s request for a bigger quota" in listed.content.decode()
    assert QuotaRequest.objects.get(pk=other.pk).state == QuotaRequest.State.REFUSED
