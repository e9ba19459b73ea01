"""visa's settings as the tests run them (pytest.ini names this module): visa/settings.py with a
secret key of the tests' own, new each run. Outside the demo visa refuses to start without one;
the stack's processes inherit it (and this module) through the environment."""
import os
import secrets

os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
# A cloud's room is asked at every launch, so that a test making its devcloud full or silent sees it
# at once (tests/quotas/test_reserve.py tests the seconds it is kept for).
os.environ.setdefault("VISA_CLOUD_ROOM_SECONDS", "0")

from visa.settings import *  # noqa: E402,F403
