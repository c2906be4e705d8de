"""The index machines read: the simple API and the JSON API (file downloads: `downloads`).

API answers are plain text on error (a terminal should get one readable line);
their documents come from `rendering.cached`, so a request costs a fixed number
of queries and, once a project's page is built, no rendering until it changes.
"""

import time
from dataclasses import replace

from django.conf import settings
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_safe
from packaging.utils import canonicalize_name

from .. import selectors
from ..reading import rules as reading
from ..reading.views import machine_read
from ..upstream import names as upstream_names
from ..upstream import pages as upstream_pages
from . import answers, edge, fastpath, jsonapi, rendering, simple

SIMPLE_CACHE_CONTROL = f"max-age={rendering.INDEX_MAX_AGE}, public"


def _canonical_redirect(request, url):
    query = request.GET.urlencode()
    return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)


def _answer(request, *, name, variant, build, content_type, vary=True, keys=None, hidden=None):
    """The cached Document of `name`/`variant` as a response: ETag, conditional GET, cache headers.

    A hit costs no database query; `build()` runs only when the project changed. A document of a
    project the reader may not read is answered as `hidden()`: exactly what a name nobody has gets.
    """
    current = fastpath.generation(name)
    key = rendering.document_key(request, name, variant, current)
    document = rendering.cached(key, build)
    if document.private is not None and not request.reader.may_read(name=name, private=document.private):
        document = hidden()
    response = None
    if document.status == 200:
        etag = document.etag
        response = get_conditional_response(request, etag=etag)
        if response is None:
            response = HttpResponse(document.body, content_type=content_type)
            if document.serial is not None:
                response.headers["X-PyPI-Last-Serial"] = str(document.serial)
            fastpath.mark(response, name, current, expires=document.expires)
        response.headers["ETag"] = etag
    else:
        response = HttpResponse(document.body, status=document.status, content_type="text/plain; charset=utf-8")
    answers.set_headers(response, document.headers)
    response.headers["Cache-Control"] = SIMPLE_CACHE_CONTROL
    if vary:
        response.headers["Vary"] = "Accept"
    if document.expires is not None:
        # An upstream page: the edge keeps it no longer than this index keeps its copy.
        edge.set_headers(response, keys or edge.keys_for(name), edge_max_age=max(int(document.expires - time.time()), 0))
    else:
        edge.set_headers(response, keys or edge.keys_for(name))
    return response


def _missing(message):
    return rendering.Document(404, f"Not Found: {message}\n".encode())


def _moved(url):
    return rendering.Document(301, b"", headers={"Location": url})


def _not_acceptable():
    offered = ", ".join(simple.OFFERS)
    return answers.text(406, f"Not Acceptable: this index answers with one of {offered}.", {"Vary": "Accept"})


# -- simple repository API ----------------------------------------------------


@require_safe
@machine_read
def simple_index(request):
    try:
        representation = simple.negotiate(request)
    except simple.NotAcceptable:
        return _not_acceptable()
    reader = request.reader

    def build():
        projects = selectors.index_projects(reading.readable(reader))
        serial = max((serial for _, _, serial in projects), default=0)
        listed = [(name, normalized) for name, normalized, _ in projects]
        return rendering.Document(200, simple.index_document(request, representation, listed), serial)

    return _answer(
        request,
        name=fastpath.INDEX,
        # What the root index lists depends on who reads it.
        variant=f"{representation}:{reader.view}",
        build=build,
        content_type=simple.CONTENT_TYPES[representation],
        keys=[edge.ALL_PROJECTS],
    )


@require_safe
@machine_read
def simple_detail(request, name, canonical_view="packages:simple-detail"):
    """A project's file list; `canonical_view` names the URL other spellings are redirected to."""
    normalized = canonicalize_name(name)
    if name != normalized or not request.path.endswith("/"):
        return _canonical_redirect(request, reverse(canonical_view, args=[normalized]))
    try:
        representation = simple.negotiate(request)
    except simple.NotAcceptable:
        return _not_acceptable()

    def missing():
        return _missing(f"no project named {name!r}.")

    def build():
        project = selectors.project_get_visible(name=normalized)
        if project is None:
            if settings.UPSTREAM_INDEX_URL:
                return upstream_document(request, normalized, representation, missing)
            return missing()
        if project.track_upstream and settings.UPSTREAM_INDEX_URL:
            return tracked_document(request, project, representation)
        body = simple.project_document(request, project, representation)
        return rendering.Document(200, body, project.last_serial, private=project.private)

    try:
        return _answer(
            request,
            name=normalized,
            variant=representation,
            build=build,
            content_type=simple.CONTENT_TYPES[representation],
            hidden=missing,
        )
    except upstream_pages.Unavailable as unavailable:
        return answers.text(unavailable.status, unavailable.message, {"Cache-Control": "no-store"})


def tracked_document(request, project, representation):
    """A project of ours that tracks the upstream's of the same name: both sets of files, ours first. When the
    upstream cannot be asked and no copy is kept, ours alone, asked again a minute later."""
    try:
        copy = upstream_pages.copy_of(project.normalized_name)
        expires = copy.checked.timestamp() + settings.UPSTREAM_CACHE_SECONDS
    except upstream_pages.Unavailable:
        copy, expires = None, time.time() + upstream_pages.RETRY_AFTER_FAILURE.total_seconds()
    body = upstream_pages.tracked_document(request, project, copy, representation)
    return rendering.Document(
        200, body, project.last_serial, private=project.private, expires=max(expires, time.time() + 1)
    )


def upstream_document(request, normalized, representation, missing):
    """The page of a name not hosted here: the upstream's files, unless the name is ours (then a 404)."""
    ours = upstream_names.ours(normalized)
    expires = time.time() + settings.UPSTREAM_CACHE_SECONDS
    if ours == upstream_names.RESERVED:
        return replace(
            _missing(f"{normalized!r} is reserved on this index and is not fetched from the upstream index."),
            expires=expires,
        )
    if ours is not None:
        return missing()  # a name of ours that is not readable here: never the upstream's
    copy = upstream_pages.copy_of(normalized)
    if copy.missing:
        return replace(missing(), expires=expires)
    expires = copy.checked.timestamp() + settings.UPSTREAM_CACHE_SECONDS
    body = upstream_pages.document(request, copy, representation)
    return rendering.Document(200, body, None, private=False, expires=max(expires, time.time() + 1))


# -- JSON API -----------------------------------------------------------------


def _json_answer(request, name, variant, build, hidden):
    response = _answer(
        request, name=name, variant=variant, build=build, content_type="application/json", vary=False, hidden=hidden
    )
    if response.status_code in (200, 304):
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
@machine_read
def json_project(request, name):
    normalized = canonicalize_name(name)
    if name != normalized:
        project = selectors.project_get_visible(name=name)
        if project is None or not request.reader.may_read(name=normalized, private=project.private):
            return answers.not_found(f"no project named {name!r}.")
        return _canonical_redirect(request, reverse("packages:json-project", args=[project.normalized_name]))

    def missing():
        return _missing(f"no project named {name!r}.")

    def build():
        project = selectors.project_get_visible(name=normalized)
        if project is None:
            return missing()
        body = jsonapi.project_document(request, project)
        if body is None:
            # A project whose releases were all removed has no JSON document (404, as on PyPI).
            return replace(_missing(f"project {project.name!r} has no releases."), private=project.private)
        return rendering.Document(200, body, project.last_serial, private=project.private)

    return _json_answer(request, normalized, "json-api", build, missing)


@require_safe
@machine_read
def json_release(request, name, version):
    normalized = canonicalize_name(name)

    def missing():
        return _missing(f"no project named {name!r}.")

    def build():
        project = selectors.project_get_visible(name=name)
        if project is None:
            return missing()
        private = project.private
        release = selectors.release_get(project=project, version=version)
        if release is None:
            return replace(_missing(f"project {project.name!r} has no release {version!r}."), private=private)
        if name != project.normalized_name or version != release.version:
            url = reverse("packages:json-release", args=[project.normalized_name, release.version])
            return replace(_moved(url), private=private)
        body = jsonapi.release_document(request, project, release)
        return rendering.Document(200, body, project.last_serial, private=private)

    # The spelling is part of the variant: another spelling may be a redirect.
    response = _json_answer(request, normalized, f"json-api:{name}:{version}", build, missing)
    if response.status_code == 301 and request.GET:
        response.headers["Location"] += "?" + request.GET.urlencode()
    return response
