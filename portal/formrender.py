"""A form renderer that writes Django's plain widgets in Python.

Django renders every widget (and every radio or checkbox option) through its template engine:
three nested templates per input. The assessment page shows about 30 answer forms with up to
ten widgets each, and the engine's overhead per template was most of the page's time. This
renderer produces the same HTML, character for character, for the widgets whose templates are
trivial (inputs of every type, textareas, the options of radio and checkbox groups) and hands
everything else to Django's own renderer. Attributes, values and ids still come from the
widgets' get_context(), so only the template step is replaced.
tests/test_page_cache.py compares both renderers over every question kind.
"""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

_W = "django/forms/widgets/"
# Templates that only include input.html.
INPUT_TEMPLATES = frozenset(
    _W + name
    for name in (
        "input.html",
        "text.html",
        "number.html",
        "email.html",
        "url.html",
        "password.html",
        "hidden.html",
        "date.html",
        "datetime.html",
        "time.html",
        "search.html",
        "tel.html",
        "color.html",
    )
)
# Templates that only include input_option.html.
OPTION_TEMPLATES = frozenset(
    _W + name for name in ("input_option.html", "radio_option.html", "checkbox_option.html")
)
TEXTAREA_TEMPLATE = _W + "textarea.html"


def _text(value) -> str:
    # `value|stringformat:'s'` and `{{ value }}` under autoescape.
    return str(conditional_escape(value))


def attrs_html(attrs: dict) -> str:
    """django/forms/widgets/attrs.html."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            out.append(f" {_text(name)}")
        else:
            out.append(f' {_text(name)}="{_text(value)}"')
    return "".join(out)


def input_html(widget: dict) -> str:
    """django/forms/widgets/input.html."""
    value = "" if widget["value"] is None else f' value="{_text(widget["value"])}"'
    return (
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{value}'
        f"{attrs_html(widget['attrs'])}>"
    )


def option_html(widget: dict) -> str:
    """django/forms/widgets/input_option.html."""
    tag = input_html(widget)
    if not widget.get("wrap_label"):
        return tag
    ident = widget["attrs"].get("id")
    label_for = f' for="{_text(ident)}"' if ident else ""
    return f"<label{label_for}>{tag} {_text(widget['label'])}</label>"


def textarea_html(widget: dict) -> str:
    """django/forms/widgets/textarea.html."""
    value = _text(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_text(widget["name"])}"{attrs_html(widget["attrs"])}>\n{value}</textarea>'


class PlainWidgets(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget")
        if widget is not None and widget.get("template_name", template_name) == template_name:
            if template_name in INPUT_TEMPLATES:
                return mark_safe(input_html(widget))
            if template_name in OPTION_TEMPLATES:
                return mark_safe(option_html(widget))
            if template_name == TEXTAREA_TEMPLATE:
                return mark_safe(textarea_html(widget))
        return super().render(template_name, context, request)
