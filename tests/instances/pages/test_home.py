"""The home page as HTML: cards of one's own and shared desktops, the quota in use, the first-time
page, and the answers its buttons (htmx) get."""
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from instances.models import Instance, InstanceMember, Role
from tests.support.factories import make_experiment, make_plain_instance, make_user

pytestmark = pytest.mark.django_db


def text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_first_time_user_is_shown_where_to_start(client):
    client.force_login(make_user())
    page = client.get("/").content.decode()
    assert "No desktops yet" in page
    assert 'href="/search"' in page and 'href="/instances/new"' in page
    assert "Your quota: 0 of 2 instances, 0 of 8 vCPUs, 0 of 16 GB" in text(page)


def test_cards_show_state_data_expiry_and_the_quota_in_use(client):
    user = make_user()
    with_doi = make_experiment(title="Lysozyme at room temperature", dois=["10.5555/home-card"])
    without = make_experiment(title="Calibration run")
    make_plain_instance(user, "ACTIVE", [with_doi, without], name="Lysozyme analysis",
                  expires_at=timezone.now() + timedelta(days=13, hours=2))
    make_plain_instance(user, "STOPPED", name="Old one", expires_at=timezone.now() + timedelta(hours=5, minutes=3))
    client.force_login(user)
    page = client.get("/").content.decode()
    words = text(page)
    assert "Lysozyme analysis" in words and "Active" in words and "expires in 13 days" in words
    assert "Old one" in words and "Stopped" in words and "expires in 5 hours" in words
    assert '<a href="/doi/10.5555/home-card">Lysozyme at room temperature</a>' in page
    assert "<li>Calibration run</li>" in page
    assert "Your quota: 2 of 2 instances, 4 of 8 vCPUs, 8 of 16 GB" in words  # m1.small: 2 vCPUs, 4 GB
    assert "Shared with me" not in words


def test_desktops_shared_with_me_have_their_own_section_with_owner_and_role(client):
    me, owner = make_user(), make_user()
    owner.first_name, owner.last_name = "Ada", "Lovelace"
    owner.save()
    InstanceMember.objects.create(instance=make_plain_instance(owner, name="Beamtime desktop"), user=me, role=Role.USER)
    make_plain_instance(owner, name="Not shared")
    client.force_login(me)
    words = text(client.get("/").content.decode())
    assert re.search("Shared with me .* Beamtime desktop Active Shared by Ada Lovelace · your role: user", words)
    assert "Not shared" not in words and "No desktops yet" in words  # of my own
    assert "Stop" not in words and "Delete" not in words  # only the owner acts on it


def test_the_page_takes_the_same_queries_for_one_card_or_many(client, django_assert_max_num_queries):
    user = make_user()
    client.force_login(user)
    make_plain_instance(user, experiments=[make_experiment(dois=["10.5555/q-1"])])
    with django_assert_max_num_queries(20) as one:
        client.get("/")
    for n in range(5):
        member = make_plain_instance(make_user(), experiments=[make_experiment(dois=[f"10.5555/q-{n + 2}"])])
        InstanceMember.objects.create(instance=member, user=user, role=Role.GUEST)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get("/")


def test_a_card_button_gets_no_content_and_an_impossible_action_a_readable_message(client):
    user = make_user()
    stopped = make_plain_instance(user, "STOPPED", name="<b>bold</b> desktop")
    client.force_login(user)
    htmx = {"HTTP_HX_REQUEST": "true"}
    refused = client.post(f"/instances/{stopped.uuid}/stop", **htmx)
    assert refused.status_code == 409
    assert refused.content.decode() == "You cannot stop “&lt;b&gt;bold&lt;/b&gt; desktop” now: it is stopped."
    assert client.post(f"/instances/{stopped.uuid}/delete", **htmx).status_code == 204
    assert Instance.objects.get(pk=stopped.pk).state == "DELETING"
    other = make_plain_instance(make_user(), "ACTIVE")
    assert client.post(f"/instances/{other.uuid}/stop", **htmx).status_code == 404
