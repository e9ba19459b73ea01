"""Django admin through the real web process, as an operator's browser uses it: a change form's
fields as the page fills them in, changed and saved."""
from html.parser import HTMLParser


class _Form(HTMLParser):
    """The fields of the page's main form (`<form id="..._form">`) with the values it would send."""

    def __init__(self):
        super().__init__()
        self.fields, self._in_form, self._select, self._textarea = {}, False, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id", "").endswith("_form"):
            self._in_form = True
        if not self._in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") not in ("checkbox", "radio"):
                self.fields[name] = attrs.get("value", "")
            elif "checked" in attrs:
                self.fields[name] = attrs.get("value", "on")
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields[self._select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


def fields(html):
    """The fields of an admin page's main form with the values it would send."""
    form = _Form()
    form.feed(html)
    return form.fields


def change(operator, path, **changes):
    """Open an admin change page as `operator` (a signed-in WebUser), change fields and save;
    the answer to the save."""
    answer = operator.http.post(operator.base_url + path,
                                data={**fields(operator.get(path).text), **changes, "_save": "Save"})
    assert answer.ok and answer.url.rstrip("/") != (operator.base_url + path).rstrip("/"), "the admin did not save"
    return answer
