from django import template

from filing.blocks import Table

register = template.Library()


@register.filter
def block_kind(block) -> str:
    return type(block).__name__.lower()


@register.filter
def column_shares(table: Table) -> list[str]:
    """Column widths as percentages of the table, so the PDF keeps the Word file's proportions."""
    total = table.total_width or 1
    return [f"{width * 100 / total:.1f}" for width in table.widths or ()]
