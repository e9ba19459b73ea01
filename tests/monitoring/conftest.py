# The live-desktop fixtures of the instances tests: people, their launched desktops, a private redis-server.
from tests.instances.conftest import launch, owner, person, redis_server  # noqa: F401
