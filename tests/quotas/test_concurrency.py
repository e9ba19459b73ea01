"""Fifty launches at once, each on its own PostgreSQL connection, for a user whose limit is 3."""
import threading

from django.db import connection

from instances.lifecycle import services
from instances.models import Instance
from quotas.models import Quota
from quotas.refusals import QuotaExceeded
from tests.support.cleanup import remove
from tests.support.factories import demo_image_and_flavour, make_experiment, make_user

LAUNCHES = 50


def test_fifty_launches_at_once_exactly_three_pass(stack, committed, cloud):
    user = make_user()
    experiment = make_experiment(members=[user])
    Quota.objects.create(user=user, max_instances=3, max_vcpus=100, max_ram_gb=100)
    image, flavour = demo_image_and_flavour()
    start = threading.Barrier(LAUNCHES)
    outcomes, connections = [], set()

    def launch():
        try:
            connection.ensure_connection()  # each thread holds a connection of its own from here
            connections.add(connection.connection.info.backend_pid)
            start.wait(timeout=120)
            outcomes.append(services.launch(user, [experiment], image, flavour))
        except QuotaExceeded as refusal:
            outcomes.append(str(refusal))
        except Exception as error:  # e.g. PostgreSQL has no fifty connections to spare: fail, not hang
            start.abort()
            outcomes.append(error)
        finally:
            connection.close()

    pool_options = connection.settings_dict["OPTIONS"]["pool"]  # settings.DATABASES
    usual_size = pool_options["max_size"]
    connection.close()
    connection.close_pool()  # a new pool, with room for one connection per launch
    pool_options["max_size"] = LAUNCHES + 1
    threads = [threading.Thread(target=launch) for _ in range(LAUNCHES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert [o for o in outcomes if isinstance(o, Exception)] == []
        assert len(connections) == LAUNCHES
        launched = [outcome for outcome in outcomes if isinstance(outcome, Instance)]
        refused = [outcome for outcome in outcomes if isinstance(outcome, str)]
        assert len(launched) == 3 and len(refused) == LAUNCHES - 3
        assert set(refused) == {"3 of 3 instances running: delete one, or ask for more."}
        assert Instance.objects.filter(owner=user).count() == 3
    finally:
        remove(list(Instance.objects.filter(owner=user)))
        experiment.delete()
        user.delete()
        connection.close()
        connection.close_pool()  # its fifty connections; the next query opens a pool of the usual size
        pool_options["max_size"] = usual_size
