from django import template

from library.i18n import text_language

register = template.Library()


@register.filter
def tr(obj, field: str) -> str:
    """{{ provision|tr:"summary" }}: the field in the language of the page."""
    return obj.tr(field) if obj is not None else ""


@register.filter
def trd(mapping: dict, stem: str) -> str:
    """The same for plain dicts from the YAML (choices, thresholds, routes)."""

    lang = text_language()
    return mapping.get(f"{stem}_{lang}") or mapping.get(f"{stem}_zh") or ""


@register.filter
def pick(mapping: dict) -> str:
    """{"zh": ..., "en": ...} → the text in the language of the page."""

    if not mapping:
        return ""
    lang = text_language()
    return mapping.get(lang) or mapping.get("zh") or ""


@register.filter
def figure(value) -> str:
    """Numbers as people read them: fractions below 1 as percentages, counts with separators."""
    if isinstance(value, bool) or value is None:
        return "—" if value is None else str(value)
    if isinstance(value, float) and 0 <= value <= 1 and not value.is_integer():
        return f"{value * 100:.1f} %"
    if isinstance(value, int | float):
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    return str(value)
