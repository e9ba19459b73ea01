"""Panels on the admin's front page, below what waits for the operator (visa.waiting): each app
registers a function of the request that returns a template and its context (or None to show
nothing to this operator), so this module imports no app."""
from django.template.loader import render_to_string

_panels = []


def register(panel):
    _panels.append(panel)


def render(request):
    """The registered panels this operator may see, as HTML."""
    shown = (panel(request) for panel in _panels)
    return [render_to_string(template, context, request) for template, context in filter(None, shown)]
