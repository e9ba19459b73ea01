"""The operators' pages: usage beside each limit, the actions, and the admin log."""
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.auth.models import Group, Permission

from instances.models import Instance
from quotas.models import ApprovalRequest, Purpose, Quota
from tests.support.factories import demo_image_and_flavour, make_user

QUOTAS = "/admin/quotas/quota/"


def running(user, count):
    image, flavour = demo_image_and_flavour()  # m1.small: 2 vCPUs, 4 GB
    for _ in range(count):
        Instance.objects.create(owner=user, image=image, flavour=flavour, state="ACTIVE", purpose=Purpose.MEMBER)


def cell(page, quota, column):
    row = page.split(f'/admin/quotas/quota/{quota.pk}/change/')[1].split("</tr>")[0]
    return row.split(f'class="field-{column}">')[1].split("</td>")[0].split("<br>")


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
    assert cell(page, own, "in_use") == ["2 of 3 instances running", "4 of 8 vCPUs in use", "8 of 16 GB of RAM in use"]
    # the members' together, beside the limit of each
    assert cell(page, group, "in_use")[0] == "3 instances running, up to 2 per member"
    assert cell(page, default, "in_use")[0].endswith("instances running, up to 2 per user")
    assert cell(page, default, "lifetime") == ["14 days"]
    assert f'{default.pk}/change/">everyone (default)</a>' in page

    assert own.pk in [q.pk for q in admin_client.get(QUOTAS, {"q": alice.username}).context["cl"].result_list]
    assert [q.pk for q in admin_client.get(QUOTAS, {"level": "group"}).context["cl"].result_list] == [group.pk]
    assert ("This user: 2 of 3 instances running; 4 of 8 vCPUs in use; 8 of 16 GB of RAM in use."
            in admin_client.get(f"{QUOTAS}{own.pk}/change/").content.decode())


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


def test_an_action_says_whose_requests_it_decided_and_which_were_decided_before(admin_client, db, mailoutbox):
    alice, bob = make_user(), make_user()
    asked = [ApprovalRequest.objects.create(user=alice), ApprovalRequest.objects.create(user=bob)]
    approvals = "/admin/quotas/approvalrequest/"
    admin_client.post(approvals, {"action": "refuse", "_selected_action": [asked[0].pk]}, follow=True)
    answer = admin_client.post(approvals, {"action": "accept", "_selected_action": [a.pk for a in asked]}, follow=True)
    assert [str(m) for m in answer.context["messages"]] == [
        f"Accepted {bob.username}'s request to launch on open data; they were told by e-mail.",
        "1 of the selected requests had already been decided: left unchanged."]
    assert ApprovalRequest.objects.get(pk=asked[0].pk).state == "refused"


def test_accept_and_refuse_buttons_on_a_requests_own_page(admin_client, db, mailoutbox):
    alice = make_user()
    asked = ApprovalRequest.objects.create(user=alice, reason="tomography")
    page = f"/admin/quotas/approvalrequest/{asked.pk}/change/"
    press = f"/admin/quotas/approvalrequest/{asked.pk}/press/"
    assert f'action="{press}accept/"' in admin_client.get(page).content.decode()
    assert admin_client.get(f"{press}accept/").status_code == 302  # only a POST decides
    answer = admin_client.post(f"{press}accept/", follow=True)
    assert answer.redirect_chain[-1][0] == page
    assert [str(m) for m in answer.context["messages"]] == [
        f"Accepted {alice.username}'s request to launch on open data; they were told by e-mail."]
    assert ApprovalRequest.objects.get(pk=asked.pk).state == "accepted" and mailoutbox[0].to == [alice.email]
    assert "press/refuse/" not in answer.content.decode()  # decided: no more buttons

    again = admin_client.post(f"{press}refuse/", follow=True)
    assert "This request was decided before (accepted by admin); nothing was changed." in [
        str(m) for m in again.context["messages"]]
    assert ApprovalRequest.objects.get(pk=asked.pk).state == "accepted" and len(mailoutbox) == 1
    assert admin_client.post(f"{press}explode/").status_code == 404
    assert admin_client.post("/admin/quotas/approvalrequest/999999/press/accept/").status_code == 404


def test_buttons_need_the_change_permission(client, db):
    viewer = make_user()
    viewer.is_staff = True
    viewer.save()
    viewer.user_permissions.add(Permission.objects.get(codename="view_approvalrequest"))
    asked = ApprovalRequest.objects.create(user=make_user())
    client.force_login(viewer)
    page = f"/admin/quotas/approvalrequest/{asked.pk}/change/"
    assert "press/accept/" not in client.get(page).content.decode()
    assert client.post(f"/admin/quotas/approvalrequest/{asked.pk}/press/accept/").status_code == 403
    assert ApprovalRequest.objects.get(pk=asked.pk).state == "pending"


def test_adding_a_quota_asks_the_purpose_first_and_starts_from_its_defaults(admin_client, db):
    user = make_user()
    default_open = Quota.objects.get(purpose=Purpose.OPEN_DATA, user=None, group=None)
    default_open.max_instances, default_open.requires_approval = 3, True
    default_open.save()
    chooser = admin_client.get(f"{QUOTAS}add/", {"user": user.pk})
    assert chooser.status_code == 200
    assert f"{QUOTAS}add/?user={user.pk}&amp;purpose=open" in chooser.content.decode()
    assert admin_client.get(f"{QUOTAS}add/", {"purpose": "lots"}).status_code == 400

    form = admin_client.get(f"{QUOTAS}add/", {"user": user.pk, "purpose": "open"}).context["adminform"].form
    assert {name: form[name].value() for name in ("purpose", "max_instances", "max_vcpus", "requires_approval")} == {
        "purpose": "open", "max_instances": 3, "max_vcpus": 4, "requires_approval": True}
    assert form.fields["purpose"].disabled
    member = admin_client.get(f"{QUOTAS}add/", {"purpose": "member"}).context["adminform"].form
    assert member["max_instances"].value() == 2

    # the purpose is the one chosen, whatever the form sends
    fields = {"user": user.pk, "purpose": "member", "max_instances": 1, "max_vcpus": 4, "max_ram_gb": 8,
              "max_lifetime_hours": 24, "requires_approval": "on"}
    answer = admin_client.post(f"{QUOTAS}add/?purpose=open&user={user.pk}", fields)
    assert answer.status_code == 302
    assert Quota.objects.get(user=user).purpose == Purpose.OPEN_DATA
    again = admin_client.post(f"{QUOTAS}add/?purpose=open", fields)  # one quota per user and purpose
    assert again.status_code == 200 and "already exists" in again.content.decode()


def test_users_and_groups_add_quotas_on_the_quota_page(admin_client, db):
    user = make_user()
    Quota.objects.create(user=user, purpose=Purpose.OPEN_DATA)
    page = admin_client.get(f"/admin/auth/user/{user.pk}/change/").content.decode()
    assert f'href="{QUOTAS}add/?user={user.pk}"' in page
    assert "quotas-__prefix__" not in page  # no inline row that would start from the member figures
