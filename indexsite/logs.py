"""What every log line says about the request it belongs to, and the JSON format (LOG_FORMAT=json).

The request's context (its id, method and path) is set by the outermost WSGI
layer (indexsite/observe.py) for the time the request runs; the filter copies
it onto every record, from any logger, so a line from deep inside a view can be
found beside the request's own access line.
"""

import contextvars
import logging

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

current_request = contextvars.ContextVar("current_request", default=None)
_NO_REQUEST = {"request_id": "-"}

# Never written out: Django's request loggers attach the request object itself,
# whose text holds the query string (a verification link's token, for one).
_NEVER_LOGGED = ("request", "server_time")


class RequestContextFilter(logging.Filter):
    def filter(self, record):
        context = current_request.get() or _NO_REQUEST
        for key, value in context.items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


def json_formatter():
    """One JSON object per line: timestamp (UTC, ISO 8601), level, logger, message and the request's fields."""
    return JsonFormatter(
        "{levelname}{name}{message}",
        style="{",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp=True,
        reserved_attrs=[*RESERVED_ATTRS, *_NEVER_LOGGED, "color_message"],
    )
