"""A real OpenID Connect provider on loopback (tests/oidc/provider) and a visa web process
configured to sign in through it, for this folder's tests only."""
import pytest

from tests.support.oidc import Provider
from tests.support.stack import Stack, free_port


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    provider = Provider(tmp_path_factory.mktemp("provider"), free_port())
    yield provider
    provider.stop()


@pytest.fixture(scope="module")
def oidc_stack(seeded, devcloud, provider, tmp_path_factory):
    """visa's web process signing in through the provider (no worker: these tests launch nothing)."""
    stack = Stack(tmp_path_factory.mktemp("oidc-stack"), devcloud.auth_url, env=provider.visa_env,
                  port=provider.visa_port, worker=False)
    yield stack
    stack.stop()
