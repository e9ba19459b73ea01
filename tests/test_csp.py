"""Every page carries a strict Content-Security-Policy (no inline script, no eval, no framing by
another site), and pages, the admin and the API's documentation still work under it: the browser
fixture fails any test whose pages broke the policy (tests/support/browser.py)."""
import requests

from tests.support.browser import sign_in
from tests.support.factories import make_user


def policy(url):
    header = requests.get(url).headers["Content-Security-Policy"]
    return {directive.split()[0]: directive.split()[1:] for directive in header.split("; ")}


def test_every_page_forbids_inline_script_eval_framing_and_plugins(stack):
    for path in ("/accounts/login/", "/search", "/admin/login/", "/api/docs/", "/static/visa/visa.css"):
        rules = policy(stack.url + path)
        assert rules["default-src"] == ["'self'"] and "script-src" not in rules, path  # scripts: our files only
        assert rules["frame-ancestors"] == ["'none'"] and rules["object-src"] == ["'none'"], path
        assert rules["base-uri"] == ["'self'"], path
        assert rules["connect-src"] == ["'self'", stack.url.replace("http", "ws")], path
    assert policy(stack.url + "/api/docs/")["style-src"] == ["'self'", "'unsafe-inline'"]  # Swagger UI's <style>


def test_the_browser_refuses_an_inline_script_and_the_test_would_fail(page, browser):
    page.goto("/accounts/login/")
    page.evaluate("""() => { const script = document.createElement("script");
        script.textContent = "window.injected = true"; document.body.append(script); }""")
    assert page.evaluate("() => window.injected") is None
    assert any("script-src" in violation for violation in browser.violations)
    browser.violations.clear()  # seen: this test is about them


def test_the_admin_works_under_the_policy(page, committed):
    operator = make_user()
    operator.is_staff = operator.is_superuser = True
    operator.save()
    page.goto(f"/accounts/login/?next=/admin/auth/user/{operator.pk}/change/")
    sign_in(page, operator)
    page.get_by_role("heading", name="Change user").wait_for()
    page.goto("/admin/instances/instance/")
    page.get_by_role("heading", name="Select instance to change").wait_for()
    page.goto("/admin/quotas/quota/add/?purpose=open")  # instances are launched, not added in admin
    page.get_by_role("heading", name="Add quota").wait_for()
    page.goto("/admin/axes/accessattempt/")
    page.get_by_role("heading", name="Select access attempt to change").wait_for()
