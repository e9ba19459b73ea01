"""Values from a query string or a form, checked before they reach the database, which would turn
them into a server error: ids that are not whole numbers, text with NUL characters (PostgreSQL
refuses them). Either is the client's mistake: BadRequest, which visa.errors answers with a 400
that says what was wrong."""
from django.core.exceptions import BadRequest

ID_DIGITS = 19  # PostgreSQL's bigint holds every id of 19 digits or fewer (up to 2**63 - 1)


def is_id(value):
    """Whether `value` (a string) is an id the database can hold."""
    return value.isascii() and value.isdigit() and len(value) <= ID_DIGITS


def ids(values, name):
    """`values` (strings) as ids, in their order; BadRequest naming the field if one is not an id."""
    if not all(is_id(value) for value in values):
        raise BadRequest(f"“{name}” takes ids, which are whole numbers.")
    return [int(value) for value in values]


def an_id(value, name):
    return ids([value or ""], name)[0]


def text(value, name):
    """`value`, unless it has a NUL character: BadRequest naming the field."""
    if "\x00" in value:
        raise BadRequest(f"“{name}” may not contain NUL characters.")
    return value
