"""What a browser submits for a rendered form: its successful controls, after the HTML value
sanitisation a browser applies to typed inputs (an `<input type="date">` whose value is not
an ISO date is empty, as is a number input whose value is not a number)."""

from __future__ import annotations

import re

from lxml import html

_VALID = {
    "date": re.compile(r"\d{4,}-\d{2}-\d{2}"),
    "number": re.compile(r"-?(\d+(\.\d+)?|\.\d+)([eE][-+]?\d+)?"),
    "month": re.compile(r"\d{4,}-\d{2}"),
    "time": re.compile(r"\d{2}:\d{2}(:\d{2}(\.\d+)?)?"),
}


def form_data(page: str, xpath: str) -> dict[str, list[str]]:
    """The fields of the first form the XPath finds, as the browser would post them."""
    form = html.fromstring(page).xpath(xpath)[0]
    data: dict[str, list[str]] = {}
    for element in form.iter("input", "textarea", "select"):
        name = element.get("name")
        if not name or element.get("disabled") is not None:
            continue
        if element.tag == "textarea":
            # The HTML parser drops one newline right after <textarea>; submission uses CRLF.
            text = element.text or ""
            text = text[1:] if text.startswith("\n") else text
            values = [text.replace("\r\n", "\n").replace("\n", "\r\n")]
        elif element.tag == "select":
            chosen = [o for o in element.iter("option") if o.get("selected") is not None]
            values = [o.get("value", o.text_content()) for o in chosen]
        else:
            kind = (element.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if element.get("checked") is None:
                    continue
                values = [element.get("value", "on")]
            elif kind in ("submit", "button", "reset", "file", "image"):
                continue
            else:
                value = element.get("value", "")
                pattern = _VALID.get(kind)
                if pattern is not None and not pattern.fullmatch(value):
                    value = ""
                values = [value]
        data.setdefault(name, []).extend(values)
    return data
