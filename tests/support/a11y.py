"""Accessibility checks in the browser: axe-core (from npm) run on the page as a user sees it."""
from pathlib import Path

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def violations(page, exclude=(), preload=True):
    """axe-core's WCAG 2.1 A/AA violations on the page, as 'rule: target' lines.

    `preload=False` for pages whose style sheets @import others (Django admin's forms.css): axe
    would fetch them and add them as an inline <style>, which the Content-Security-Policy refuses."""
    # Evaluated through the DevTools protocol: a <script> tag would break the page's
    # Content-Security-Policy (inline script), and the test would fail on that.
    page.evaluate(AXE.read_text())
    context = {"exclude": [[selector] for selector in exclude]} if exclude else {"include": [["html"]]}
    result = page.evaluate(
        "([context, tags, preload]) => axe.run(context, {runOnly: {type: 'tag', values: tags}, preload})",
        [context, WCAG_AA, preload],
    )
    return [f"{v['id']}: {', '.join(str(n['target']) for n in v['nodes'])} ({v['help']})" for v in result["violations"]]


def assert_accessible(page, exclude=(), preload=True):
    """Fail with axe-core's findings unless the page has no WCAG 2.1 A/AA violation.

    `exclude` takes CSS selectors axe cannot judge, such as the remote desktop's canvas."""
    found = violations(page, exclude, preload)
    assert not found, "accessibility violations:\n" + "\n".join(found)
