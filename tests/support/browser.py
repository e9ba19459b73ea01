"""The browser as tests drive it: a laptop-sized (or phone-sized) page of its own, signing in,
where screenshots go, whether the page scrolls sideways, whether the remote desktop's canvas shows
a picture, and what the Content-Security-Policy refused (a test fails on any of that:
tests/conftest.py)."""
import re
import time
from functools import partial

from tests.support.stack import ROOT

VIEWPORT = {"width": 1280, "height": 800}  # a laptop's screen
PHONE = {"width": 390, "height": 844}  # a phone's, held upright


TIMEOUT = 30_000  # milliseconds


def open_page(browser, base_url, viewport=VIEWPORT):
    """A new browser page with cookies of its own, laptop-sized unless told, on base_url."""
    page = browser.new_context(base_url=base_url, viewport=viewport).new_page()
    page.set_default_timeout(TIMEOUT)
    page.wait_for_function = partial(wait_for_function, page)
    return page


def wait_for_function(page, expression, arg=None, timeout=TIMEOUT, polling=None):
    """Page.wait_for_function without eval in the page: Playwright's own evaluates the predicate
    with eval in the page, which our Content-Security-Policy refuses; page.evaluate goes through
    the DevTools protocol, which the policy does not govern. The predicate's first true value."""
    deadline = time.monotonic() + timeout / 1000
    while not (result := page.evaluate(expression, arg)):
        if time.monotonic() > deadline:
            raise TimeoutError(f"not true within {timeout} ms: {expression}")
        page.wait_for_timeout(polling if isinstance(polling, (int, float)) else 50)
    return result


# How much wider than the window the page is: 0 unless it scrolls sideways.
SIDEWAYS = "document.documentElement.scrollWidth - window.innerWidth"


# Every refusal is reported on the console: Chromium's own message, and this one for those it
# reports only to the page (inline styles, for instance).
REPORT_VIOLATIONS = """document.addEventListener("securitypolicyviolation", (event) => console.error(
    `Content Security Policy violation: ${event.effectiveDirective} refused ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile}:${event.lineNumber}`));"""


class WatchedBrowser:
    """The browser, whose every context records what a Content-Security-Policy refused, console
    messages and uncaught errors alike, in `violations`."""

    def __init__(self, browser):
        self.browser, self.violations = browser, []

    def __getattr__(self, name):
        return getattr(self.browser, name)

    def new_context(self, **options):
        context = self.browser.new_context(**options)
        context.add_init_script(REPORT_VIOLATIONS)
        context.on("console", lambda message: self._note(message.text))
        context.on("weberror", lambda error: self._note(str(error.error)))
        return context

    def _note(self, text):
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.violations.append(text)


SHOTS = ROOT / "test-output" / "screenshots"


# True once the noVNC canvas shows more than one colour.
CANVAS_HAS_PIXELS = """() => {
    const canvas = document.querySelector('#desktop canvas');
    if (!canvas || !canvas.width) return false;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 4; i < data.length; i += 4 * 101)
        if (data[i] !== data[0] || data[i + 1] !== data[1] || data[i + 2] !== data[2]) return true;
    return false;
}"""


def sign_in(page, user):
    """Fill in the sign-in page; it sends the user on to where they were going."""
    page.get_by_label("User name").fill(user.username)
    page.get_by_label("Password").fill("pw-for-tests")
    page.get_by_role("button", name="Sign in").click()


DEMO_DOI_PATH = "/doi/10.22003/XFEL.EU-DATA-700000-00"


def signed_in_at_doi(browser, base_url, users):
    """A page of its own for each user, signed in and on the demo DOI page, ready to Launch."""
    pages = [open_page(browser, base_url) for _ in users]
    for page, user in zip(pages, users):
        page.goto(f"/accounts/login/?next={DEMO_DOI_PATH}")
        sign_in(page, user)
        page.wait_for_url(re.compile(r"/doi/"))
    return pages
