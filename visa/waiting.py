"""What waits for an operator's decision, listed on the admin's front page ("Waiting for you").

Each app registers its kinds of request from its own admin module, so this module imports no app
and a new kind is one line there:

    waiting.register(ApprovalRequest, "Open-data approval requests", state=ApprovalRequest.State.PENDING)
"""
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse


@dataclass(frozen=True)
class Kind:
    model: type
    label: str
    pending: dict  # the field values of a request still waiting, as for `filter(**pending)`


_kinds: list[Kind] = []


def register(model, label, **pending):
    """List `model`'s rows with these field values as waiting, under `label`."""
    _kinds.append(Kind(model, label, pending))


def for_operator(user):
    """Each kind the user may see in admin: its label, how many wait, and its changelist showing them."""
    found = []
    for kind in _kinds:
        opts = kind.model._meta
        if not any(user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}") for action in ("view", "change")):
            continue
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        found.append({
            "label": kind.label,
            "count": kind.model._default_manager.filter(**kind.pending).count(),
            "url": f"{url}?{urlencode({f'{name}__exact': value for name, value in kind.pending.items()})}",
        })
    return found
