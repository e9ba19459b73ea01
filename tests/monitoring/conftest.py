from tests.instances.conftest import redis_server  # noqa: F401  a private redis-server to stop
