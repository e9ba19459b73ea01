"""Waiting for what the stack's processes do in their own time."""
import time


def eventually(check, timeout=30, every=0.1):
    """The first true result of check(), called until `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"not true after {timeout} s: {check.__doc__ or check}")
        time.sleep(every)
    return result
