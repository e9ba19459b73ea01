import pytest

from instances.states import LIVE, TRANSITIONS, IllegalTransition, State, check


def test_the_build_path_is_allowed():
    path = [State.PENDING, State.BUILDING, State.STARTING, State.ACTIVE, State.STOPPING,
            State.STOPPED, State.STARTING, State.ACTIVE, State.DELETING, State.DELETED]
    for current, new in zip(path, path[1:]):
        check(current, new)


@pytest.mark.parametrize("current,new", [
    (State.DELETED, State.ACTIVE), (State.PENDING, State.ACTIVE), (State.STOPPED, State.REBOOTING),
    (State.ACTIVE, State.PENDING),
])
def test_illegal_transitions_are_refused_with_a_readable_message(current, new):
    with pytest.raises(IllegalTransition, match=f"from {current} to {new}"):
        check(current, new)


def test_every_state_has_a_row_and_deleted_is_final():
    assert set(TRANSITIONS) == set(State)
    assert TRANSITIONS[State.DELETED] == set()


def test_error_and_deleted_hold_no_quota():
    assert State.ERROR not in LIVE and State.DELETED not in LIVE
    assert State.STOPPED in LIVE and State.PENDING in LIVE
