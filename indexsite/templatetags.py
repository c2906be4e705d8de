"""Template tags every page may use: {% load site %}."""

from django import template

from .forms import context_has_form_errors

register = template.Library()


@register.simple_tag(takes_context=True)
def form_errors_present(context):
    """True when a form on the page has errors; base.html then starts the title with "Error:"."""
    return context_has_form_errors(context)
