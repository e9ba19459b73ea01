"""What the instance page shows of a desktop's data, and to whom: data paths only to those who may
read the data, staff only what they need to ask for access, link guests only while their link
still admits them."""
import datetime

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from websockets.sync.client import connect

from instances.models import AccessRequest, InstanceMember, Role, Thumbnail
from instances.pages.instance import instance_fragment
from instances.sharing import links, requests
from tests.support.factories import make_experiment, make_instance, make_user
from tests.support.web import WebUser

RELEASED = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


@pytest.fixture
def owner(db):
    return make_user()


def page_of(client, user, instance):
    client.force_login(user)
    return client.get(f"/instances/{instance.uuid}/")


def test_data_paths_are_shown_only_to_those_who_may_read_the_data(owner, client):
    ours = make_experiment(members=[owner], data_path="/pnfs/secret/ours")
    released = make_experiment(members=[owner], release_date=RELEASED, data_path="/pnfs/open/released")
    instance = make_instance(owner, [ours, released])
    guest = make_user()
    InstanceMember.objects.create(instance=instance, user=guest, role=Role.GUEST)

    mine = page_of(client, owner, instance).content.decode()
    assert "/pnfs/secret/ours" in mine and f"/data/{ours.proposal_id}" in mine
    theirs = page_of(client, guest, instance).content.decode()
    assert "/pnfs/secret/ours" not in theirs and f"/data/{ours.proposal_id}" not in theirs
    assert "/pnfs/open/released" in theirs  # open data: anyone signed in may read it
    assert "1 more experiment, whose data is shown only to those who may read it." in theirs


@pytest.fixture
def staff(db):
    user = make_user()
    user.is_staff = True
    user.save()
    return user


def test_staff_see_only_how_to_ask_for_access_until_the_owner_admits_them(owner, staff, client):
    experiment = make_experiment(members=[owner], data_path="/pnfs/secret/p1")
    instance = make_instance(owner, [experiment])
    Thumbnail.objects.create(instance=instance, jpeg=b"\xff\xd8picture", taken_at=timezone.now())
    instance.events.create(from_state="ACTIVE", to_state="ACTIVE", actor=owner.username,
                           reason=f"attached the data of {experiment.proposal_id}")

    page = page_of(client, staff, instance).content.decode()
    assert "Ask the owner for access" in page
    assert "/pnfs/secret/p1" not in page and experiment.proposal_id not in page
    assert client.get(f"/instances/{instance.uuid}/thumbnail").status_code == 404
    pushed = instance_fragment(staff, client.session, instance.uuid)  # the live page's pushes too
    assert "Ask the owner for access" in pushed and experiment.proposal_id not in pushed

    # admitted as support: the history and the picture; the data path still needs the data
    requests.answer_request(requests.request_access(instance, staff), AccessRequest.Answer.SUPPORT)
    page = page_of(client, staff, instance).content.decode()
    assert f"attached the data of {experiment.proposal_id}" in page and "/pnfs/secret/p1" not in page
    assert client.get(f"/instances/{instance.uuid}/thumbnail").status_code == 200


def test_operators_granted_view_any_instance_see_it_without_asking(owner, client):
    experiment = make_experiment(members=[owner], data_path="/pnfs/secret/p2")
    instance = make_instance(owner, [experiment])
    Thumbnail.objects.create(instance=instance, jpeg=b"\xff\xd8picture", taken_at=timezone.now())
    operator = make_user()  # the permission alone, as an admin grants it
    stranger = make_user()
    operator.user_permissions.add(Permission.objects.get(codename="view_any_instance"))

    page = page_of(client, operator, instance).content.decode()
    assert "/pnfs/secret/p2" not in page and "1 more experiment" in page
    assert client.get(f"/instances/{instance.uuid}/thumbnail").status_code == 200
    assert page_of(client, stranger, instance).status_code == 404


def first_push(user, uuid):
    """What the live instance page is sent first, over a real WebSocket to the stack."""
    url = user.base_url.replace("http", "ws", 1) + f"/ws/instances/{uuid}/live"
    with connect(url, additional_headers={"Cookie": user.cookie_header, "Origin": user.base_url},
                 open_timeout=10) as socket:
        return socket.recv(timeout=10)


def test_the_live_page_pushes_staff_only_the_state_and_operators_the_history(stack, committed):
    owner = make_user()
    experiment = make_experiment(members=[owner])
    instance = make_instance(owner, [experiment])
    instance.events.create(from_state="ACTIVE", to_state="ACTIVE", actor=owner.username,
                           reason=f"attached the data of {experiment.proposal_id}")
    staff, operator = make_user(), make_user()
    staff.is_staff = True
    staff.save()
    operator.user_permissions.add(Permission.objects.get(codename="view_any_instance"))
    try:
        pushed = first_push(WebUser(stack.url, staff.username, "pw-for-tests"), instance.uuid)
        assert "Ask the owner for access" in pushed and experiment.proposal_id not in pushed
        pushed = first_push(WebUser(stack.url, operator.username, "pw-for-tests"), instance.uuid)
        assert f"attached the data of {experiment.proposal_id}" in pushed
    finally:
        instance.delete()


@pytest.fixture
def guests_without_account(settings):
    settings.VISA_OPEN_DATA_GUESTS = True


def test_a_guest_without_account_loses_the_page_when_the_link_expires(owner, client, guests_without_account):
    instance = make_instance(owner, [make_experiment(release_date=RELEASED)])
    token, secret = links.create_token(instance, owner, Role.GUEST, max_uses=1,
                                       expires_at=timezone.now() + datetime.timedelta(hours=1))
    assert client.post(f"/join/{secret}").status_code == 302
    page = f"/instances/{instance.uuid}/"
    assert client.get(page).status_code == 200  # the one use is theirs: they stay admitted
    token.expires_at = timezone.now() - datetime.timedelta(seconds=1)
    token.save()
    assert client.get(page).status_code == 404


def test_a_guest_without_account_loses_the_page_when_closed_data_is_attached(owner, client, guests_without_account):
    instance = make_instance(owner, [make_experiment(release_date=RELEASED)])
    _, secret = links.create_token(instance, owner, Role.GUEST)
    client.post(f"/join/{secret}")
    assert client.get(f"/instances/{instance.uuid}/").status_code == 200
    instance.experiments.add(make_experiment(members=[owner]))  # they were not watching: attached
    assert client.get(f"/instances/{instance.uuid}/").status_code == 404
