"""The operators' pages: usage beside each limit, the actions, and the admin log."""
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.auth.models import Group

from instances.models import Instance
from quotas.models import ApprovalRequest, Purpose, Quota
from tests.support.factories import demo_image_and_flavour, make_user

QUOTAS = "/admin/quotas/quota/"


def running(user, count):
    image, flavour = demo_image_and_flavour()  # m1.small: 2 vCPUs, 4 GB
    for _ in range(count):
        Instance.objects.create(owner=user, image=image, flavour=flavour, state="ACTIVE", purpose=Purpose.MEMBER)


def cells(page, quota, column):
    row = page.split(f'/admin/quotas/quota/{quota.pk}/change/')[1].split("</tr>")[0]
    return row.split(f'class="field-{column}">')[1].split("<")[0]


def test_usage_beside_each_limit_at_every_level(admin_client, db):
    alice, bob = make_user(), make_user()
    beamline = Group.objects.create(name="beamline")
    beamline.user_set.add(alice, bob)
    own = Quota.objects.create(user=alice, max_instances=3)
    group = Quota.objects.create(group=beamline, max_instances=2)
    default = Quota.objects.get(purpose=Purpose.MEMBER, user=None, group=None)
    running(alice, 2)
    running(bob, 1)

    page = admin_client.get(QUOTAS).content.decode()
    assert (cells(page, own, "instances"), cells(page, own, "vcpus"), cells(page, own, "ram")) == ("2 of 3", "4 of 8", "8 of 16 GB")
    assert cells(page, group, "instances") == "3 of 2 each"  # the members' together, beside the limit of each
    assert cells(page, default, "instances").endswith("of 2 each")

    assert own.pk in [q.pk for q in admin_client.get(QUOTAS, {"q": alice.username}).context["cl"].result_list]
    assert [q.pk for q in admin_client.get(QUOTAS, {"level": "group"}).context["cl"].result_list] == [group.pk]
    assert "this user&#x27;s running instances: 2 of 3 instances" in admin_client.get(f"{QUOTAS}{own.pk}/change/").content.decode()


def test_quotas_inline_on_users_and_groups(admin_client, db):
    user = make_user()
    group = Group.objects.create(name="staff")
    Quota.objects.create(user=user, max_instances=4)
    Quota.objects.create(group=group, max_instances=5)
    assert 'value="4"' in admin_client.get(f"/admin/auth/user/{user.pk}/change/").content.decode()
    assert 'value="5"' in admin_client.get(f"/admin/auth/group/{group.pk}/change/").content.decode()


def test_reset_deletes_own_quotas_and_restores_defaults_in_the_log(admin_client, db):
    user = make_user()
    own = Quota.objects.create(user=user, max_instances=9)
    default = Quota.objects.get(purpose=Purpose.OPEN_DATA, user=None, group=None)
    default.max_instances = 7
    default.save()
    admin_client.post(QUOTAS, {"action": "reset", "_selected_action": [own.pk, default.pk]})
    assert not Quota.objects.filter(pk=own.pk).exists()
    default.refresh_from_db()
    assert default.max_instances == 1
    assert LogEntry.objects.filter(object_id=str(own.pk), action_flag=DELETION).exists()
    assert LogEntry.objects.get(object_id=str(default.pk)).get_change_message() == "Reset to the built-in limits."


def test_operators_accept_and_refuse_requests_and_users_get_an_e_mail(admin_client, db, mailoutbox):
    alice, bob = make_user(), make_user()
    asked = [ApprovalRequest.objects.create(user=alice), ApprovalRequest.objects.create(user=bob)]
    admin_client.post("/admin/quotas/approvalrequest/", {"action": "accept", "_selected_action": [asked[0].pk]})
    admin_client.post("/admin/quotas/approvalrequest/", {"action": "refuse", "_selected_action": [asked[1].pk]})
    assert [r.state for r in ApprovalRequest.objects.filter(pk__in=[a.pk for a in asked]).order_by("pk")] == ["accepted", "refused"]
    assert [(m.to, "refused" in m.subject) for m in mailoutbox] == [([alice.email], False), ([bob.email], True)]
    assert [LogEntry.objects.get(object_id=str(a.pk)).get_change_message() for a in asked] == ["Accepted.", "Refused."]
