"""Template helpers of the dossier PDF.

`{% both %}…{% endboth %}` renders its content in the edition's language; in the bilingual
edition it renders it twice, under Chinese then English, so one template with ordinary
`{% translate %}` tags serves all three editions.
"""

from __future__ import annotations

from django import template
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


class BothNode(template.Node):
    def __init__(self, nodelist: template.NodeList, css: str) -> None:
        self.nodelist = nodelist
        self.css = css

    def render(self, context) -> str:
        if context.get("edition") != "bilingual":
            return self.nodelist.render(context)
        # The rendered nodelist is escaped already; strip() drops its SafeString mark, and
        # format_html below would escape it twice (an apostrophe printed as &#x27;).
        with translation.override("zh-hans"):
            zh = mark_safe(self.nodelist.render(context).strip())
        with translation.override("en"):
            en = mark_safe(self.nodelist.render(context).strip())
        if zh == en:
            return zh
        if self.css == "plain":  # inside a CSS string: no markup
            return f"{zh} / {en}"
        # The space keeps the two apart where CSS flattens them (running headers, TOC).
        return format_html('{}<span class="{}" lang="en"> {}</span>', zh, self.css, en)


@register.tag
def both(parser, token):
    """{% both %} or {% both "bi-block" %} for an English line below the Chinese."""
    bits = token.split_contents()
    css = bits[1].strip("\"'") if len(bits) > 1 else "bi-en"
    nodelist = parser.parse(("endboth",))
    parser.delete_first_token()
    return BothNode(nodelist, css)


@register.filter
def filesize(value) -> str:
    if value is None:
        return "—"
    size = float(value)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return str(value)


@register.filter
def score(value) -> str:
    return "—" if value is None else f"{value:.1f}"


@register.filter
def comparison(value: str) -> str:
    return {"ge": "≥", "le": "≤", "gt": ">", "lt": "<", "eq": "="}.get(value, "")


@register.filter
def hashwrap(value: str) -> str:
    """A SHA-256 in two halves, so a narrow table cell breaks it in the middle, not anywhere."""
    value = value or ""
    if len(value) != 64:
        return value
    return format_html("{}<wbr>{}", value[:32], value[32:])
