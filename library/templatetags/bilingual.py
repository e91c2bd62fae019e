from django import template

register = template.Library()


@register.filter
def tr(obj, field: str) -> str:
    """{{ provision|tr:"summary" }}: the field in the language of the page."""
    return obj.tr(field) if obj is not None else ""


@register.filter
def trd(mapping: dict, stem: str) -> str:
    """The same for plain dicts from the YAML (choices, thresholds, routes)."""
    from django.utils import translation

    lang = "en" if (translation.get_language() or "").startswith("en") else "zh"
    return mapping.get(f"{stem}_{lang}") or mapping.get(f"{stem}_zh") or ""
