"""The operators' instance pages: owner, environment, size and data stay as launched; Start, Stop,
Reboot and Delete are buttons that go through the lifecycle services; decisions on lifetime
extensions say what was decided; the admin's front page lists what waits."""
from django.contrib.auth.models import Permission
from django.utils import timezone

from instances.models import Instance, LifetimeExtension
from instances.sharing import links
from quotas.models import ApprovalRequest
from tests.support import admin
from tests.support.factories import demo_image_and_flavour, make_experiment, make_instance, make_user

INSTANCES = "/admin/instances/instance/"


def an_instance(state, name="analysis"):
    image, flavour = demo_image_and_flavour()
    instance = Instance.objects.create(owner=make_user(), image=image, flavour=flavour, name=name, state=state,
                                       state_changed_at=timezone.now(), expires_at=timezone.now())
    instance.experiments.add(make_experiment())
    return instance


def messages_of(answer):
    return [str(message) for message in answer.context["messages"]]


def test_owner_image_size_and_data_are_shown_not_edited_and_there_is_no_add(admin_client, db):
    instance = an_instance("ACTIVE")
    form = admin_client.get(f"{INSTANCES}{instance.pk}/change/").context["adminform"].form
    assert not {"owner", "image", "flavour", "experiments"} & set(form.fields)
    assert {"name", "expires_at", "room_locked"} <= set(form.fields)
    assert admin_client.get(f"{INSTANCES}add/").status_code == 403
    assert f'href="{INSTANCES}add/"' not in admin_client.get(INSTANCES).content.decode()


def test_the_buttons_are_those_the_state_allows(admin_client, db):
    def offered(state):
        instance = an_instance(state)
        page = admin_client.get(f"{INSTANCES}{instance.pk}/change/").content.decode()
        return [name for name in ("start", "stop", "reboot", "delete") if f"/{instance.pk}/press/{name}/" in page]

    assert offered("ACTIVE") == ["stop", "reboot", "delete"]
    assert offered("STOPPED") == ["start", "delete"]
    assert offered("DELETING") == []
    assert offered("DELETED") == []


def test_stop_by_button_goes_through_the_service_and_says_so(admin_client, db):
    instance = an_instance("ACTIVE")
    answer = admin_client.post(f"{INSTANCES}{instance.pk}/press/stop/", follow=True)
    assert answer.redirect_chain[-1][0] == f"{INSTANCES}{instance.pk}/change/"
    assert messages_of(answer) == ["Asked to stop “analysis”: it is stopping now; this page shows when it is done."]
    instance.refresh_from_db()
    assert instance.state == "STOPPING" and instance.events.last().actor == "admin"
    assert instance.state_reason == "stopped by admin"

    # the page offered Stop, but it has changed since: said, and nothing changes
    again = admin_client.post(f"{INSTANCES}{instance.pk}/press/stop/", follow=True)
    assert messages_of(again) == ["“analysis” was not changed: An instance cannot go from STOPPING to STOPPING. "
                                  "The page now shows its state."]


def test_delete_asks_to_confirm_first(admin_client, db):
    instance = an_instance("STOPPED")
    press = f"{INSTANCES}{instance.pk}/press/delete/"
    assert f'href="{press}"' in admin_client.get(f"{INSTANCES}{instance.pk}/change/").content.decode()
    for asked in (admin_client.get(press), admin_client.post(press)):
        assert "Delete this instance? Its server and everything on its disk are removed for good." in (
            asked.content.decode())
    instance.refresh_from_db()
    assert instance.state == "STOPPED"
    answer = admin_client.post(press, {"confirmed": "yes"}, follow=True)
    assert messages_of(answer) == ["Asked to delete “analysis”: it is deleting now; this page shows when it is done."]


def test_lifecycle_actions_name_the_instances_they_changed(admin_client, db):
    running, stopped = an_instance("ACTIVE", "running"), an_instance("STOPPED", "stopped")
    answer = admin_client.post(INSTANCES, {"action": "stop", "_selected_action": [running.pk, stopped.pk]}, follow=True)
    assert messages_of(answer) == ["stopped: An instance cannot go from STOPPED to STOPPING.",
                                   "Asked to stop “running”; the state column shows when it is done."]


def test_extension_requests_are_decided_by_button_or_action_with_a_message(admin_client, db):
    instance = an_instance("ACTIVE")
    asked = [LifetimeExtension.objects.create(instance=instance, requested_by=instance.owner, days=days, reason="x")
             for days in (1, 3)]
    page = f"/admin/instances/lifetimeextension/{asked[0].pk}/change/"
    assert "/press/accept/" in admin_client.get(page).content.decode()
    answer = admin_client.post(f"/admin/instances/lifetimeextension/{asked[0].pk}/press/accept/", follow=True)
    assert messages_of(answer) == [f"Accepted 1 more day for “analysis” (asked by {instance.owner})."]
    assert "/press/accept/" not in answer.content.decode()

    answer = admin_client.post("/admin/instances/lifetimeextension/",
                               {"action": "refuse", "_selected_action": [e.pk for e in asked]}, follow=True)
    assert messages_of(answer) == [f"Refused 3 more days for “analysis” (asked by {instance.owner}).",
                                   "1 of the selected requests had already been decided: left unchanged."]
    assert [e.decision for e in LifetimeExtension.objects.order_by("pk")] == ["ACCEPTED", "REFUSED"]


def test_the_front_page_lists_what_waits_with_counts_and_links(admin_client, client, db):
    instance = an_instance("ACTIVE")
    LifetimeExtension.objects.create(instance=instance, requested_by=instance.owner, days=2, reason="x")
    for user in (make_user(), make_user()):
        ApprovalRequest.objects.create(user=user)
    ApprovalRequest.objects.create(user=make_user(), state="accepted")
    waiting = {kind["label"]: kind for kind in admin_client.get("/admin/").context["waiting"]}
    assert {label: kind["count"] for label, kind in waiting.items()} == {
        "Open-data approval requests": 2, "Requests for a bigger quota": 0, "Lifetime extension requests": 1}
    link = waiting["Open-data approval requests"]["url"]
    assert link == "/admin/quotas/approvalrequest/?state__exact=pending"
    assert len(admin_client.get(link).context["cl"].result_list) == 2
    assert "2 waiting" in admin_client.get("/admin/").content.decode()

    # staff see only the kinds they may look at
    helper = make_user()
    helper.is_staff = True
    helper.save()
    helper.user_permissions.add(Permission.objects.get(codename="view_lifetimeextension"))
    client.force_login(helper)
    assert [kind["label"] for kind in client.get("/admin/").context["waiting"]] == ["Lifetime extension requests"]


def test_revoking_links_says_which_and_nothing_is_added_by_hand(admin_client, db):
    instance = an_instance("ACTIVE")
    token, _ = links.create_link(instance, instance.owner, "view-only", label="beamline team")
    tokens = "/admin/instances/sharetoken/"
    answer = admin_client.post(tokens, {"action": "revoke", "_selected_action": [token.pk]}, follow=True)
    assert messages_of(answer) == ["Revoked “beamline team” of “analysis”; everyone they admitted was disconnected."]
    again = admin_client.post(tokens, {"action": "revoke", "_selected_action": [token.pk]}, follow=True)
    assert messages_of(again) == ["1 of the selected links had already been revoked: left unchanged."]
    for model in ("sharetoken", "desktopsession", "accessrequest", "lifetimeextension"):
        assert admin_client.get(f"/admin/instances/{model}/add/").status_code == 403, model


def test_a_member_added_in_admin_must_be_able_to_read_the_desktops_data(admin_client, db):
    owner, stranger, colleague = make_user(), make_user(), make_user()
    instance = make_instance(owner, [make_experiment(members=[owner, colleague])])  # not open: members only
    page = f"/admin/instances/instance/{instance.pk}/change/"
    form = {**admin.fields(admin_client.get(page).content.decode()), "members-TOTAL_FORMS": "1",
            "members-0-role": "user", "_save": "Save"}
    refused = admin_client.post(page, {**form, "members-0-user": stranger.pk})
    assert refused.status_code == 200 and f"{stranger} may not be a member" in refused.content.decode()
    assert not instance.members.exists()
    saved = admin_client.post(page, {**form, "members-0-user": colleague.pk})
    assert saved.status_code == 302 and instance.members.get().user == colleague


def test_an_instance_saves_as_its_page_shows_it_with_or_without_an_expiry(admin_client, db):
    for expires in (timezone.now(), None):
        instance = an_instance("ACTIVE")
        Instance.objects.filter(pk=instance.pk).update(expires_at=expires)
        page = f"{INSTANCES}{instance.pk}/change/"
        answer = admin_client.post(page, {**admin.fields(admin_client.get(page).content.decode()), "_save": "Save"})
        assert answer.status_code == 302, answer.context["adminform"].form.errors
