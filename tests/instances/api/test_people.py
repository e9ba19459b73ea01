"""The people and connections of an instance through the API, as a script with a personal token
uses them against the running stack: list, add, change and remove (and block) members, list who
is connected and disconnect them; only the owner may."""
import pytest

from instances.models import BlockedUser, DesktopSession, Instance, Role
from tests.support.apiclient import ApiClient
from tests.support.factories import make_instance, make_user


@pytest.fixture
def owned(stack, committed):
    """An instance row of a new owner (no server: sharing needs none), their script, and the stack."""
    owner = make_user()
    instance = make_instance(owner)
    yield instance, ApiClient(stack.url, owner)
    Instance.objects.filter(pk=instance.pk).delete()


def test_members_are_listed_added_changed_and_removed(owned, stack):
    instance, script = owned
    url = f"/api/instances/{instance.uuid}/members/"
    colleague, viewer = make_user(), make_user()
    added = script.post(url, {"who": colleague.username, "access": "interactive"})
    assert added.status_code == 201, added.text
    assert {k: added.json()[k] for k in ("username", "role", "access", "via")} == {
        "username": colleague.username, "role": "user", "access": "interactive", "via": None}
    assert script.post(url, {"who": viewer.email, "access": "view-only"}).status_code == 201
    assert [m["username"] for m in script.get(url).json()["results"]] == [colleague.username, viewer.username]

    member = added.json()["id"]
    changed = script.patch(f"{url}{member}/", {"access": "view-only"})
    assert changed.status_code == 200 and changed.json()["role"] == "guest"
    assert script.delete(f"{url}{member}/", params={"block": "true"}).status_code == 204
    assert BlockedUser.objects.filter(instance=instance, user=colleague).exists()
    assert script.delete(f"{url}{member}/").status_code == 404

    unknown = script.post(url, {"who": "nobody-here", "access": "interactive"})
    assert unknown.status_code == 400 and "Send them an invitation" in unknown.json()["who"][0]
    wrong = script.post(url, {"who": viewer.username, "access": "owner"})
    assert wrong.status_code == 400 and set(wrong.json()) == {"access"}


def test_connections_are_listed_and_a_guest_is_disconnected(owned, stack):
    instance, script = owned
    guest = make_user()
    instance.members.create(user=guest, role=Role.GUEST)
    for user, role in ((instance.owner, Role.OWNER), (guest, Role.GUEST)):
        DesktopSession.objects.create(instance=instance, user=user, name=user.username, role=role,
                                      channel_name=f"test.{user.pk}")
    url = f"/api/instances/{instance.uuid}/sessions/"
    connected = script.get(url).json()["results"]
    assert [(s["name"], s["role"]) for s in connected] == [(instance.owner.username, "owner"), (guest.username, "guest")]
    assert script.post(f"{url}{connected[0]['id']}/disconnect/").status_code == 400  # not oneself
    assert script.post(f"{url}{connected[1]['id']}/disconnect/").status_code == 204
    assert not instance.members.filter(user=guest).exists()


def test_only_the_owner_manages_people(owned, stack):
    instance, _ = owned
    member = make_user()
    instance.members.create(user=member, role=Role.USER)
    theirs, stranger = ApiClient(stack.url, member), ApiClient(stack.url, make_user())
    url = f"/api/instances/{instance.uuid}/members/"
    assert theirs.get(url).status_code == 403
    assert theirs.post(url, {"who": member.username, "access": "interactive"}).status_code == 403
    assert stranger.get(url).status_code == 404
    assert stranger.get(f"/api/instances/{instance.uuid}/sessions/").status_code == 404
