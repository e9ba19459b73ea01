"""Running a change as another process would: in a thread of its own. Once Playwright has started
(the session's browser), its event loop runs in the test's thread, where Django's signals cannot
tell live connections (async_to_sync refuses to run there)."""
from concurrent.futures import ThreadPoolExecutor


def elsewhere(call, *args, **kwargs):
    """call(*args, **kwargs) in a thread of its own; its result."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(call, *args, **kwargs).result()
