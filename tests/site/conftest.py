import io
import json
import logging

import pytest

from indexsite.logs import RequestContextFilter, json_formatter
from tests.packages.conftest import uploader  # noqa: F401  (a fixture)


class JsonLines:
    def __init__(self, stream):
        self.stream = stream

    @property
    def text(self):
        return self.stream.getvalue()

    def objects(self):
        return [json.loads(line) for line in self.text.splitlines()]

    def access(self):
        return [line for line in self.objects() if line["logger"] == "indexsite.access"]


@pytest.fixture
def json_log():
    """Every log line, from every logger, as LOG_FORMAT=json writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(json_formatter())
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    previous = root.level, logging.getLogger("indexsite.access").level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("indexsite.access").setLevel(logging.INFO)
    yield JsonLines(stream)
    root.removeHandler(handler)
    root.setLevel(previous[0])
    logging.getLogger("indexsite.access").setLevel(previous[1])
