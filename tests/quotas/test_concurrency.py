"""Fifty launches at once, each on its own PostgreSQL connection, for a user whose limit is 3."""
import threading

from django.db import connection

from instances import services
from instances.models import Instance
from quotas.models import Quota
from quotas.services import QuotaExceeded
from tests.factories import demo_image_and_flavour, make_experiment, make_user
from tests.quotas.conftest import remove

LAUNCHES = 50


def test_fifty_launches_at_once_exactly_three_pass(stack, committed, cloud):
    user = make_user()
    experiment = make_experiment(members=[user])
    Quota.objects.create(user=user, max_instances=3, max_vcpus=100, max_ram_gb=100)
    image, flavour = demo_image_and_flavour()
    start = threading.Barrier(LAUNCHES)
    outcomes = []

    def launch():
        start.wait()
        try:
            outcomes.append(services.launch(user, [experiment], image, flavour))
        except QuotaExceeded as refusal:
            outcomes.append(str(refusal))
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=launch) for _ in range(LAUNCHES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    launched = [outcome for outcome in outcomes if isinstance(outcome, Instance)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, str)]
    try:
        assert len(launched) == 3 and len(refused) == LAUNCHES - 3
        assert set(refused) == {"3 of 3 instances running: delete one, or ask for more."}
        assert Instance.objects.filter(owner=user).count() == 3
    finally:
        remove(list(Instance.objects.filter(owner=user)))
        experiment.delete()
        user.delete()
