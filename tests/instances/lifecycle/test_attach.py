"""Attaching data to a desktop that runs: who may, which data, and what the history says."""
import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from instances.cloud import mounts
from instances.lifecycle import services
from instances.models import DesktopSession, InstanceMember, Role
from instances.states import State
from tests.support.factories import make_experiment, make_instance, make_user


@pytest.fixture
def owner(db):
    return make_user()


def test_the_owner_attaches_once_and_the_history_says_so(owner):
    instance = make_instance(owner)
    experiment = make_experiment(members=[owner])
    assert services.attach(owner, instance, experiment) is True
    assert services.attach(owner, instance, experiment) is False  # already there: nothing new
    assert list(instance.experiments.all()) == [experiment]
    assert mounts.data_mounts(instance) == [(experiment.data_path, f"/data/{experiment.proposal_id}")]
    notes = [event.reason for event in instance.events.all()]
    assert notes == [f"attached the data of {experiment.proposal_id}"]

    assert services.detach(owner, instance, experiment) is True
    assert services.detach(owner, instance, experiment) is False
    assert mounts.data_mounts(instance) == []
    assert instance.events.last().reason == f"detached the data of {experiment.proposal_id}"


def test_a_user_of_the_desktop_attaches_data_both_may_read(owner):
    instance = make_instance(owner)
    colleague = make_user()
    InstanceMember.objects.create(instance=instance, user=colleague, role=Role.USER)
    shared = make_experiment(members=[owner, colleague])
    assert services.attach(colleague, instance, shared)
    assert instance.events.last().actor == colleague.username

    # the VM mounts for the owner: data only the colleague may read is refused
    only_theirs = make_experiment(members=[colleague])
    with pytest.raises(PermissionDenied, match=f"The owner of “t” may not read the data of {only_theirs.proposal_id}"):
        services.attach(colleague, instance, only_theirs)


@pytest.mark.parametrize("role", [Role.GUEST, Role.SUPPORT, None])
def test_guests_support_and_strangers_may_not(owner, role):
    instance = make_instance(owner)
    someone = make_user()
    if role:
        InstanceMember.objects.create(instance=instance, user=someone, role=role)
    experiment = make_experiment(members=[owner, someone])
    with pytest.raises(PermissionDenied, match="Only the owner and users of “t” may attach data"):
        services.attach(someone, instance, experiment)
    assert not instance.experiments.exists()


def test_data_the_user_may_not_read_is_refused(owner):
    closed = make_experiment(members=[make_user()])
    with pytest.raises(PermissionDenied, match=f"You may not read the data of {closed.proposal_id}"):
        services.attach(owner, make_instance(owner), closed)


@pytest.mark.parametrize("state", [State.DELETING, State.DELETED, State.ERROR])
def test_a_desktop_that_is_gone_gets_nothing(owner, state):
    instance = make_instance(owner, state=state)
    with pytest.raises(PermissionDenied, match="is deleted: launch a new desktop instead"):
        services.attach(owner, instance, make_experiment(members=[owner]))
    assert not instance.experiments.exists()


def test_attachable_lists_the_owners_live_desktops_that_lack_the_data(owner):
    experiment = make_experiment(members=[owner])
    lacking, stopped = make_instance(owner), make_instance(owner, state=State.STOPPED)
    has_it = make_instance(owner, [experiment])
    make_instance(owner, state=State.DELETED)
    make_instance(make_user())  # someone else's
    assert {i.pk for i in services.attachable(owner, [experiment])} == {lacking.pk, stopped.pk}
    assert services.running_with(owner, [experiment]) == has_it
    assert services.attachable(owner, []) == []


def test_the_portal_form_offers_each_desktop_that_lacks_the_data(owner, client):
    experiment = make_experiment(members=[owner])
    lacking, has_it = make_instance(owner), make_instance(owner, [experiment])
    client.force_login(owner)
    page = client.get(f"/instances/new?proposals={experiment.proposal_id}").content.decode()
    assert f'action="/instances/{lacking.uuid}/attach"' in page
    assert f'action="/instances/{has_it.uuid}/attach"' not in page


def test_the_attach_page_refuses_guests_with_a_message_and_hides_the_desktop_from_strangers(owner, client):
    instance = make_instance(owner)
    experiment = make_experiment(members=[owner])
    guest, stranger = make_user(), make_user()
    InstanceMember.objects.create(instance=instance, user=guest, role=Role.GUEST)
    client.force_login(guest)
    answer = client.post(f"/instances/{instance.uuid}/attach", {"experiment": experiment.pk}, follow=True)
    assert "Only the owner and users of “t” may attach data." in answer.content.decode()
    client.force_login(stranger)
    assert client.post(f"/instances/{instance.uuid}/attach", {"experiment": experiment.pk}).status_code == 404
    assert not instance.experiments.exists()


def test_data_someone_sharing_the_desktop_may_not_read_waits_until_the_owner_removes_them(owner, client):
    """The desktop would show the new data to everyone on it: refused, naming who blocks it."""
    instance = make_instance(owner)
    watcher = make_user()
    watcher.first_name, watcher.last_name = "Wanda", "Watcher"
    watcher.save()
    membership = InstanceMember.objects.create(instance=instance, user=watcher, role=Role.GUEST)
    ours = make_experiment(members=[owner])
    with pytest.raises(PermissionDenied, match=rf"The data of {ours.proposal_id} is not attached: "
                                               r"Wanda Watcher \(guest\) may not read it"):
        services.attach(owner, instance, ours)
    assert not instance.experiments.exists()
    client.force_login(owner)  # the page says so too
    answer = client.post(f"/instances/{instance.uuid}/attach", {"experiment": ours.pk}, follow=True)
    assert "Wanda Watcher (guest) may not read it. The owner can remove them" in answer.content.decode()

    shared = make_experiment(members=[owner, watcher])  # data the watcher may read is fine
    assert services.attach(owner, instance, shared)
    # support staff are not asked, as the desktop proxy does not ask them (sharing.access.desktop_access)
    InstanceMember.objects.create(instance=instance, user=make_user(), role=Role.SUPPORT)
    membership.delete()  # once the owner removed them, the rest attaches too
    assert services.attach(owner, instance, ours)


def test_guests_without_an_account_watching_block_all_but_open_data(owner):
    instance = make_instance(owner)
    DesktopSession.objects.create(instance=instance, name="Guest", role=Role.GUEST, channel_name="c")
    closed = make_experiment(members=[owner])
    with pytest.raises(PermissionDenied, match="1 guest without an account may not read it"):
        services.attach(owner, instance, closed)
    released = make_experiment(members=[owner], release_date=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))
    assert services.attach(owner, instance, released)
    DesktopSession.objects.update(ended_at=timezone.now())  # gone: their link no longer admits them
    assert services.attach(owner, instance, closed)
