"""Who is connected stays true when an ASGI process dies: its desktop sessions stop beating and
the reconciler ends them, while a connection that stays open keeps its session."""
import os
import signal
import time

from tests.support.factories import make_user
from tests.support.stack import Stack
from tests.support.waiting import eventually
from tests.support.web import WebUser


def test_the_sessions_of_a_killed_asgi_process_end_and_a_live_one_stays(devcloud, tmp_path, committed, redis_server):
    from instances.models import DesktopSession

    # A broker of its own: on the shared one, the session's worker (beats of 60 s) took this beat's
    # reconcile runs as often as this worker did, and sometimes every one of them.
    stack = Stack(tmp_path, devcloud.auth_url, env={"VISA_SESSION_HEARTBEAT": "1", "REDIS_URL": redis_server.url})
    try:
        user = WebUser(stack.url, make_user().username, "pw-for-tests")
        uuid, _ = user.launch_from_doi(another=True)
        user.wait_for_state(uuid, "ACTIVE")
        doomed_url, doomed = stack.start_web("doomed")
        sessions = DesktopSession.objects.filter(instance__uuid=uuid)

        with user.open_desktop(uuid) as staying:
            desktop = user.open_desktop(uuid, server=doomed_url)
            eventually(lambda: sessions.filter(ended_at=None).count() == 2, timeout=40)
            os.killpg(doomed.pid, signal.SIGKILL)  # no disconnect handler runs: only the heartbeat stops
            doomed.wait(10)
            eventually(lambda: sessions.filter(ended_at=None).count() == 1, timeout=40)
            time.sleep(4)  # four beats: the open connection keeps beating and stays
            assert sessions.filter(ended_at=None).count() == 1
            assert staying.framebuffer()
        eventually(lambda: sessions.filter(ended_at=None).count() == 0, timeout=40)
        desktop.close()
        user.delete_instance(uuid)
    finally:
        stack.stop()
