"""Read a page's forms the way a browser would submit them: every input, select and textarea
with its current value, so a fuzz test starts from a valid submission (management forms of
formsets and admin inlines included) and changes one field at a time."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class HtmlForm:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    text_fields: list[str] = field(default_factory=list)  # text, email, url, textarea, ...
    choice_fields: list[str] = field(default_factory=list)  # select, radio, checkbox
    file_fields: list[str] = field(default_factory=list)

    def data(self) -> dict[str, list[str]]:
        """The submission as the test client takes it (name -> values)."""
        out: dict[str, list[str]] = {}
        for name, value in self.fields:
            out.setdefault(name, []).append(value)
        return out


_TEXT_TYPES = {"text", "email", "url", "tel", "search", "password", "number", "date", ""}


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[HtmlForm] = []
        self._form: HtmlForm | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._select_multiple = False
        self._option_value: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._form = HtmlForm(action=a.get("action", ""), method=a.get("method", "get").lower())
            self.forms.append(self._form)
            return
        form = self._form
        if form is None or "disabled" in a:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                return
            if kind == "file":
                form.file_fields.append(name)
                return
            if kind in ("checkbox", "radio"):
                if name not in form.choice_fields:
                    form.choice_fields.append(name)
                if "checked" in a:
                    form.fields.append((name, a.get("value", "on")))
                return
            form.fields.append((name, a.get("value", "")))
            if kind in _TEXT_TYPES and kind not in ("password", "number", "date"):
                form.text_fields.append(name)
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
            self._select_multiple = "multiple" in a
            form.choice_fields.append(name)
        elif tag == "option" and self._select is not None:
            value = a.get("value")
            self._option_value = value
            if value is not None and self._select_first is None:
                self._select_first = value
            if "selected" in a and value is not None:
                form.fields.append((self._select, value))
                self._select_chosen = True

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        form = self._form
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None and form is not None:
            form.fields.append((self._textarea, self._text.removeprefix("\n")))
            form.text_fields.append(self._textarea)
            self._textarea = None
        elif tag == "select" and self._select is not None and form is not None:
            # A select with no option marked selected submits its first option, as a browser
            # does (usually the empty "---------" of an optional or extra inline form).
            if (
                not self._select_chosen
                and not self._select_multiple
                and self._select_first is not None
            ):
                form.fields.append((self._select, self._select_first))
            self._select = None


def forms_of(html: str) -> list[HtmlForm]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def form_posting_to(html: str, action_suffix: str, page_path: str) -> HtmlForm:
    """The POST form whose action ends with ``action_suffix`` (an empty action posts to the
    page itself)."""
    for form in forms_of(html):
        target = form.action or page_path
        if form.method == "post" and target.split("?")[0].endswith(action_suffix):
            return form
    raise AssertionError(f"No form posting to {action_suffix} on {page_path}")
