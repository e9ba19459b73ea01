"""Cleaning up after tests that launch through the stack's worker."""
import time

from instances.lifecycle import services
from instances.states import State


def remove(instances, timeout=60):
    """Delete instances the stack's worker is building, as their owner would, once it has finished
    with them, and then their rows: so no server is left on the session's devcloud."""
    deadline = time.monotonic() + timeout
    for instance in instances:
        while instance.state in (State.PENDING, State.BUILDING, State.STARTING):
            assert time.monotonic() < deadline, f"{instance} still {instance.state}"
            time.sleep(0.2)
            instance.refresh_from_db()
        if instance.state != State.DELETED:
            services.delete(instance, "test cleanup")
    for instance in instances:
        while instance.state != State.DELETED:
            assert time.monotonic() < deadline, f"{instance} still {instance.state}"
            time.sleep(0.2)
            instance.refresh_from_db()
        instance.delete()
