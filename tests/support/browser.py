"""The browser as tests drive it: a laptop-sized page of its own, signing in, where screenshots
go, and whether the remote desktop's canvas shows a picture."""
from tests.support.stack import ROOT

VIEWPORT = {"width": 1280, "height": 800}  # a laptop's screen


def open_page(browser, base_url):
    """A new browser page with cookies of its own, laptop-sized, on base_url."""
    page = browser.new_context(base_url=base_url, viewport=VIEWPORT).new_page()
    page.set_default_timeout(30_000)
    return page


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
