"""Expiry: warnings by e-mail before an instance ends, deletion at the end, activity and longer
lifetimes that put it off."""
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from instances.lifecycle import expiry
from instances.models import Instance, LifetimeExtension
from tests.support.factories import demo_image_and_flavour, make_user
from tests.support.waiting import eventually
from tests.support.web import WebUser


def test_an_idle_instance_is_warned_then_deleted_and_using_it_resets_the_clock(stack, committed):
    owner = make_user()
    user = WebUser(stack.url, owner.username, "pw-for-tests")
    uuid, _ = user.launch_from_doi()
    user.wait_for_state(uuid, "ACTIVE")
    instances = Instance.objects.filter(uuid=uuid)

    instances.update(last_activity_at=timezone.now() - timedelta(days=3, hours=1))  # within a day of 4
    (warning,) = eventually(lambda: [m for m in stack.mails() if uuid in m])
    assert f"To: {owner.email}" in warning and "will be deleted on" in warning
    assert f"/instances/{uuid}/#extend" in warning
    assert "warned its owner" in user.get(f"/instances/{uuid}/").text

    with user.open_desktop(uuid) as desktop:  # using it voids the warning
        desktop.framebuffer()
    instance = eventually(lambda: instances.filter(inactivity_warned_at=None).first())
    assert timezone.now() - instance.last_activity_at < timedelta(minutes=1)

    instances.update(last_activity_at=timezone.now() - timedelta(days=4, seconds=1))
    user.wait_for_state(uuid, "DELETED", timeout=30)
    assert "Nobody used it for 4 days." in user.get(f"/instances/{uuid}/").text


@pytest.fixture
def instance(db):
    image, flavour = demo_image_and_flavour()
    now = timezone.now()
    return Instance.objects.create(owner=make_user(), image=image, flavour=flavour, name="analysis", state="ACTIVE",
                                   state_changed_at=now, expires_at=now + timedelta(days=14), last_activity_at=now)


def used_at(instance, moment):
    """The instance was in use until `moment`, when expiry runs."""
    Instance.objects.filter(pk=instance.pk).update(last_activity_at=moment)
    expiry.expire(now=moment)


def test_the_lifetime_warning_comes_48_hours_before_and_once(instance):
    used_at(instance, instance.expires_at - timedelta(hours=49))
    assert not mail.outbox
    for _ in range(2):
        used_at(instance, instance.expires_at - timedelta(hours=47))
    assert len(mail.outbox) == 1 and "will be deleted on" in mail.outbox[0].subject
    assert mail.outbox[0].to == [instance.owner.email]
    used_at(instance, instance.expires_at + timedelta(seconds=1))
    instance.refresh_from_db()
    assert instance.state == "DELETING" and instance.state_reason == "Its lifetime ended."


def test_a_longer_lifetime_is_granted_by_an_operator_or_refused(instance):
    ends = instance.expires_at
    asked = expiry.request_extension(instance, instance.owner, 7, "beamtime analysis runs late")
    assert asked.decision == LifetimeExtension.Decision.PENDING
    assert expiry.decide(asked, "operator", accept=True)
    assert not expiry.decide(asked, "operator", accept=True)  # a second click changes nothing
    instance.refresh_from_db()
    assert instance.expires_at == ends + timedelta(days=7)

    refused = expiry.request_extension(instance, instance.owner, 10, "more")
    assert expiry.decide(refused, "operator", accept=False)
    instance.refresh_from_db()
    refused.refresh_from_db()
    assert refused.decision == "REFUSED" and instance.expires_at == ends + timedelta(days=7)


def test_one_request_at_a_time_and_no_longer_than_the_quota_allows(instance):
    expiry.request_extension(instance, instance.owner, 14, "as long as the quota allows")
    with pytest.raises(expiry.ExtensionRefused, match="You asked for 14 more days already; the operators have not"):
        expiry.request_extension(instance, instance.owner, 1, "and one more")
    LifetimeExtension.objects.update(decision="REFUSED")
    with pytest.raises(expiry.ExtensionRefused, match="at most 14 days at once: your quota's longest lifetime"):
        expiry.request_extension(instance, instance.owner, 15, "longer")


def test_an_image_may_grant_longer_lifetimes_itself(instance):
    instance.image.auto_accept_extensions = True
    instance.image.save()
    ends = instance.expires_at
    assert expiry.request_extension(instance, instance.owner, 3, "one more dataset").decision == "ACCEPTED"
    instance.refresh_from_db()
    assert instance.expires_at == ends + timedelta(days=3)


def test_the_owner_asks_on_the_page_and_an_operator_accepts_in_admin(instance, client, admin_client):
    client.force_login(instance.owner)
    page = f"/instances/{instance.uuid}/"
    answer = client.post(page + "extend", {"days": 7, "reason": "beamtime analysis runs late"}, follow=True)
    assert "Your request was sent to the operators." in answer.content.decode()
    assert "You asked for 7 more days" in answer.content.decode()
    refused = client.post(page + "extend", {"days": 0, "reason": ""}, follow=True).content.decode()
    assert "Ensure this value is greater than or equal to 1." in refused and "This field is required." in refused

    soon = admin_client.get("/admin/instances/instance/?expires=2d").content.decode()
    assert "analysis" not in soon  # 14 days to live, 4 days until it counts as idle
    extension = LifetimeExtension.objects.get(instance=instance)
    admin_client.post("/admin/instances/lifetimeextension/", {"action": "accept", "_selected_action": [extension.pk]})
    extension.refresh_from_db()
    assert extension.decision == "ACCEPTED" and extension.decided_by == "admin"
    ends = instance.expires_at
    instance.refresh_from_db()
    assert instance.expires_at == ends + timedelta(days=7)
    Instance.objects.filter(pk=instance.pk).update(expires_at=timezone.now() + timedelta(hours=20))
    assert "analysis" in admin_client.get("/admin/instances/instance/?expires=1d").content.decode()
