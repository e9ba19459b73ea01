"""Long answers (a download from the Files panel, a file from JupyterLab) end when their reader
loses access: while the bytes flow, the reader's access is decided again every RECHECK_SECONDS, so
a revoked, kicked or removed reader is cut off within about that, and the browser sees the
download fail."""
import asyncio
import contextlib

from .sockets import in_thread

RECHECK_SECONDS = 1


class Revoked(Exception):
    """The reader lost access while the answer was being sent."""


async def rechecked(blocks, still_allowed):
    """`blocks` (an async generator) as they come, closed at the end; `still_allowed()` (sync: it
    may ask the database, from a thread of its own) is asked every RECHECK_SECONDS, and Revoked
    raised once it says no."""
    loop = asyncio.get_running_loop()
    checked = loop.time()
    async with contextlib.aclosing(blocks):
        async for block in blocks:
            yield block
            if loop.time() - checked > RECHECK_SECONDS:
                if not await in_thread(still_allowed)():  # a pooled connection only for the check
                    raise Revoked()
                checked = loop.time()
