"""The instances API as a script uses it with a personal token, against the running stack: launch
from a DOI, quota numbers, actions the state allows (409 otherwise), history, lifetime, listing
with filters, share links and what collaborators may do."""
import hashlib
import time

import pytest

from instances.lifecycle import expiry
from instances.models import Instance, LifetimeExtension, ShareToken
from openaccess.models import Experiment
from tests.support.apiclient import ApiClient
from tests.support.cleanup import remove
from tests.support.factories import demo_image_and_flavour, make_user
from tests.support.web import WebUser

DEMO_DOI = "https://doi.org/10.22003/XFEL.EU-DATA-700000-00"


@pytest.fixture
def person(stack, committed):
    """A new user, and a script signed in with a token of theirs."""
    def person():
        user = make_user()
        return user, ApiClient(stack.url, user)
    return person


@pytest.fixture
def cleanup():
    """Instances a test launched, deleted after it (devcloud's room is shared by the session)."""
    launched = []
    yield launched
    remove([Instance.objects.get(uuid=uuid) for uuid in launched])


def environment():
    image, flavour = demo_image_and_flavour()
    return {"image": image.pk, "flavour": flavour.pk}


def wait_for(script, uuid, state, timeout=60):
    deadline = time.monotonic() + timeout
    while (now := script.get(f"/api/instances/{uuid}/").json()["state"]) != state:
        assert now != "ERROR" and time.monotonic() < deadline, f"instance {now}, waiting for {state}"
        time.sleep(0.2)


def test_launch_from_a_doi_act_on_it_and_read_its_history(person, cleanup):
    user, script = person()
    _, flavour = demo_image_and_flavour()
    experiment = Experiment.objects.get(proposal_id="700000")
    quota = script.get("/api/quota/").json()
    assert quota["open"]["instances"] == {"used": 0, "limit": 1} and quota["open"]["vcpus"] == {"used": 0, "limit": 4}
    assert quota["member"]["instances"] == {"used": 0, "limit": 2} and quota["member"]["quota"] == "the default quota"

    created = script.post("/api/instances/", {"dois": [DEMO_DOI], "name": "scripted", **environment()})
    assert created.status_code == 201, created.text
    instance = created.json()
    uuid = instance["uuid"]
    cleanup.append(uuid)
    assert instance["experiments"] == [experiment.pk] and instance["purpose"] == "open"
    assert instance["role"] == "owner" and instance["name"] == "scripted"
    assert instance["url"] == f"{script.base_url}/instances/{uuid}/"

    quota = script.get("/api/quota/").json()["open"]
    assert quota["instances"] == {"used": 1, "limit": 1} and quota["vcpus"] == {"used": flavour.cpus, "limit": 4}
    again = script.post("/api/instances/", {"experiments": [experiment.pk], **environment()})
    assert again.status_code == 409 and again.json()["code"] == "quota_exceeded"
    assert again.json()["detail"] == "1 of 1 open-data instances running: delete one, or ask for more."

    wait_for(script, uuid, "ACTIVE")
    refused = script.post(f"/api/instances/{uuid}/start/")
    assert refused.status_code == 409
    assert refused.json() == {"detail": "This instance is ACTIVE: it cannot start now.", "state": "ACTIVE"}
    stopping = script.post(f"/api/instances/{uuid}/stop/")
    assert stopping.status_code == 202 and stopping.json()["state"] == "STOPPING"
    wait_for(script, uuid, "STOPPED")
    assert script.post(f"/api/instances/{uuid}/reboot/").status_code == 409
    assert script.post(f"/api/instances/{uuid}/start/").status_code == 202
    wait_for(script, uuid, "ACTIVE")
    assert script.post(f"/api/instances/{uuid}/reboot/").json()["state"] == "REBOOTING"
    wait_for(script, uuid, "ACTIVE")

    extension = script.post(f"/api/instances/{uuid}/extend/", {"days": 3, "reason": "beam time analysis"})
    assert extension.status_code == 201 and extension.json()["decision"] == "PENDING"
    again = script.post(f"/api/instances/{uuid}/extend/", {"days": 1, "reason": "and more"})
    assert again.status_code == 409 and again.json()["detail"].startswith("You asked for 3 more days already")
    expiry.decide(LifetimeExtension.objects.get(instance__uuid=uuid), "operator", accept=False)
    wordy = script.post(f"/api/instances/{uuid}/extend/", {"days": 1, "reason": "y" * 500})  # as long as it may be
    assert wordy.status_code == 201 and wordy.json()["reason"] == "y" * 500
    too_long = script.post(f"/api/instances/{uuid}/extend/", {"days": 365, "reason": "forever"})
    assert too_long.status_code == 400 and "days" in too_long.json()

    events = script.get(f"/api/instances/{uuid}/events/", params={"page_size": 100}).json()
    steps = [(e["from_state"], e["to_state"]) for e in events["results"]]
    for step in (("ACTIVE", "STOPPING"), ("STOPPING", "STOPPED"), ("STOPPED", "STARTING"), ("ACTIVE", "REBOOTING")):
        assert step in steps
    assert events["results"][0]["actor"] == user.username and events["results"][0]["reason"] == "launched"
    first = script.get(f"/api/instances/{uuid}/events/", params={"page_size": 2}).json()
    assert len(first["results"]) == 2 and first["count"] == events["count"] and first["next"]

    assert [i["uuid"] for i in script.get("/api/instances/", params={"state": "ACTIVE"}).json()["results"]] == [uuid]
    assert script.get("/api/instances/", params={"state": ["STOPPED", "ERROR"]}).json()["count"] == 0
    assert script.get("/api/instances/", params={"experiment": experiment.pk}).json()["count"] == 1
    bad = script.get("/api/instances/", params={"state": "SLEEPING"})
    assert bad.status_code == 400 and "state" in bad.json()

    deleting = script.delete(f"/api/instances/{uuid}/")
    assert deleting.status_code == 202 and deleting.json()["state"] == "DELETING"
    assert script.delete(f"/api/instances/{uuid}/").status_code == 409
    wait_for(script, uuid, "DELETED")
    assert script.get("/api/instances/").json()["count"] == 0  # deleted ones only when asked for
    assert script.get("/api/instances/", params={"state": "DELETED"}).json()["count"] == 1


def test_share_links_through_the_api_and_what_collaborators_may_do(stack, person, cleanup):
    owner, script = person()
    uuid = script.post("/api/instances/", {"dois": [DEMO_DOI], **environment()}).json()["uuid"]
    cleanup.append(uuid)

    created = script.post(f"/api/instances/{uuid}/share-tokens/",
                          {"access": "interactive", "hours": 2, "max_uses": 3, "label": "lab"})
    assert created.status_code == 201, created.text
    link = created.json()
    assert link["url"] == f"{stack.url}/join/{link['secret']}"
    assert link["token"]["access"] == "interactive" and link["token"]["problem"] == "" and not link["emailed"]
    stored = ShareToken.objects.get(pk=link["token"]["id"])
    assert stored.digest == hashlib.sha256(link["secret"].encode()).hexdigest()
    listed = script.get(f"/api/instances/{uuid}/share-tokens/")
    assert listed.json()["count"] == 1 and link["secret"] not in listed.text
    invitation = script.post(f"/api/instances/{uuid}/share-tokens/", {"access": "view-only", "email": "ada@visa.test"})
    assert invitation.json()["emailed"] and invitation.json()["token"]["max_uses"] == 1
    assert any(invitation.json()["url"] in mail and "ada@visa.test" in mail for mail in stack.mails())
    bad = script.post(f"/api/instances/{uuid}/share-tokens/", {"access": "edit", "hours": 1000})
    assert bad.status_code == 400 and set(bad.json()) == {"access", "hours"}

    collaborator, their_script = person()
    WebUser(stack.url, collaborator.username, "pw-for-tests").join(link["url"])
    (shared,) = their_script.get("/api/instances/").json()["results"]
    assert shared["uuid"] == uuid and shared["role"] == "user" and shared["owner"] == owner.username
    stop = their_script.post(f"/api/instances/{uuid}/stop/")
    assert stop.status_code == 403 and stop.json() == {"detail": "Only the owner of this instance may stop it."}
    assert their_script.get(f"/api/instances/{uuid}/share-tokens/").status_code == 403
    assert their_script.get(f"/api/instances/{uuid}/events/").status_code == 200

    _, stranger = person()
    assert stranger.get(f"/api/instances/{uuid}/").status_code == 404
    assert stranger.post(f"/api/instances/{uuid}/share-tokens/", {"access": "view-only"}).status_code == 404

    revoked = script.post(f"/api/instances/{uuid}/share-tokens/{stored.pk}/revoke/")
    assert revoked.status_code == 200 and revoked.json()["problem"] == "This link was revoked by the desktop's owner."
    assert their_script.get(f"/api/instances/{uuid}/").status_code == 404
