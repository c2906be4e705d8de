"""The Integrity API (PEP 740): GET /integrity/<project>/<version>/<filename>/provenance.

Read like the simple API: the same door (`machine_read`), the same reading rule
(a private project's provenance is a 404 to whoever may not read it, exactly as
a name nobody has), the same cache headers and edge keys, purged when the
project changes.
"""

import json

from django.http import HttpResponse
from django.views.decorators.http import require_safe
from packaging.utils import canonicalize_name

from .. import selectors
from ..index import edge, rendering
from ..reading.views import machine_read
from .selectors import file_provenance

CONTENT_TYPE = "application/vnd.pypi.integrity.v1+json"
CACHE_CONTROL = f"max-age={rendering.INDEX_MAX_AGE}, public"


def _json(status, document):
    response = HttpResponse(json.dumps(document, separators=(",", ":")), status=status, content_type=CONTENT_TYPE)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


@require_safe
@machine_read
def provenance(request, name, version, filename):
    normalized = canonicalize_name(name)
    project = selectors.project_get_visible(name=normalized)
    found = None
    if project is not None and request.reader.may_read(name=normalized, private=project.private):
        found = file_provenance(project=project, version=version, filename=filename)
    if found is None:
        response = _json(404, {"message": f"No provenance available for {filename}"})
    else:
        response = _json(200, found.document)
    edge.set_headers(response, edge.keys_for(normalized))
    return response
