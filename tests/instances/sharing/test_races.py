"""A revoke racing a connection never leaves one that can still send input: the proxy registers a
connection before its final access check, and the revoke looks for connections after it commits."""
import random

from tests.support.hostile import race_revoke_with_connect
from tests.support.sharing import inputs

TRIES = 30


def test_no_connection_survives_a_revoke_that_races_it(owner, person, desktop, devcloud):
    user = person()
    random.seed(19)
    survivors = sum(race_revoke_with_connect(owner, user, desktop, lambda: inputs(devcloud, desktop)["key"],
                                             random.uniform(0, 0.06)) for _ in range(TRIES))
    assert survivors == 0
