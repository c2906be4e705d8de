from django import template

from accounts.history import event_rows

register = template.Library()


@register.simple_tag
def history_rows(events):
    """{% history_rows events as rows %}: the events in words (accounts.history)."""
    return event_rows(events)
