from django import template

from filing.messages import error_message

register = template.Library()


@register.filter
def package_error(package) -> str:
    return error_message(package.error_code)
