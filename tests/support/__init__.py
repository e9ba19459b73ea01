"""Helpers shared by the tests, and the only place tests import helpers from.

    stack       the running parts: free ports, `Stack` (uvicorn and a Celery worker), `end`
    browser     opening a Playwright page, signing in, screenshots, the desktop canvas check
    a11y        axe-core's WCAG 2.1 AA check on a page
    factories   rows the tests need (users, experiments, instances, quotas)
    cleanup     deleting instances the stack's worker has built
    web         a signed-in HTTP session against the stack, as a browser holds one
    apiclient   the REST API over HTTP with a personal API token
    rfbclient   a small RFB client over TCP or WebSocket
    sharing     RFB input messages for the sharing tests, the inputs a VM counted, refusals
    devcloud    what devcloud's tests share (the VNC password of their servers)
    oidc        a real OpenID Connect provider on loopback (tests/oidc/provider)

conftest.py files hold fixtures and hooks only, and import their helpers from here; no test
module imports from a conftest.py or from another test module.
"""
