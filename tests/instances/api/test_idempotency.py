"""A script that launches again with the same Idempotency-Key (its first answer was lost) gets the
same desktop, never a second one."""
import uuid

from tests.support.apiclient import ApiClient
from tests.support.cleanup import remove
from tests.support.factories import demo_image_and_flavour, give_room, make_user


def test_a_launch_retried_with_its_key_answers_the_same_instance(stack, committed):
    user, other_user = give_room(make_user()), give_room(make_user())
    script, other = ApiClient(stack.url, user), ApiClient(stack.url, other_user)
    image, flavour = demo_image_and_flavour()
    body, key = {"image": image.pk, "flavour": flavour.pk}, {"Idempotency-Key": str(uuid.uuid4())}

    first = script.post("/api/instances/", body, headers=key)
    again = script.post("/api/instances/", body, headers=key)
    theirs = other.post("/api/instances/", body, headers=key)  # a key is the user's own
    too_long = script.post("/api/instances/", body, headers={"Idempotency-Key": "k" * 101})
    try:
        assert first.status_code == 201, first.text
        assert (again.status_code, again.json()["uuid"]) == (200, first.json()["uuid"])
        assert theirs.status_code == 201 and theirs.json()["uuid"] != first.json()["uuid"]
        assert too_long.status_code == 400 and "Idempotency-Key" in too_long.json()
        assert user.instances.count() == 1
    finally:
        remove(list(user.instances.all()) + list(other_user.instances.all()))
