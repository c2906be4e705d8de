"""Template tags every page may use: {% load site %}."""

from datetime import UTC, datetime

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext

from .forms import context_has_form_errors

register = template.Library()


@register.simple_tag(takes_context=True)
def form_errors_present(context):
    """True when a form on the page has errors; base.html then starts the title with "Error:"."""
    return context_has_form_errors(context)


@register.filter
def local_time(value):
    """A moment as every page shows it: `<time>` to the minute in UTC, which site.js
    rewrites in the reader's own time zone and language (without JavaScript, UTC stays)."""
    if not value:
        return ""
    utc = (
        value.astimezone(UTC)
        if isinstance(value, datetime)
        else datetime(value.year, value.month, value.day, tzinfo=UTC)
    )
    return format_html(
        '<time datetime="{}" data-local>{}</time>',
        utc.strftime("%Y-%m-%dT%H:%MZ"),
        gettext("%(time)s UTC") % {"time": utc.strftime("%Y-%m-%d %H:%M")},
    )
