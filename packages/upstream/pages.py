"""An upstream project's file list: fetched, checked, kept, and rendered as this index's own page.

The upstream is asked for PEP 691 JSON (HTML as fallback), conditionally when a copy exists.
What comes back is hostile input: an entry is kept only when its filename is a wheel or sdist of
the project asked for, its sha256 is given, and its URL is https on one of UPSTREAM_FILE_HOSTS
(http only when the upstream itself is on loopback). Anything else is dropped, never fetched.
A copy is fresh for UPSTREAM_CACHE_SECONDS; when the upstream fails, the last copy is served
(and asked again a minute later), and a name never fetched answers 502, or 504 past the deadline.
"""

import json
import logging
import re
import time
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import quote, urljoin, urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape

from accounts.outbound.client import OutboundError, fetch

from .. import storage
from ..index import fastpath, rendering, simple
from .blocks import blocked, blocks_of
from .models import UpstreamFile, UpstreamProject
from .signals import report

logger = logging.getLogger(__name__)

ACCEPT = f"{simple.JSON}, {simple.HTML};q=0.2, text/html;q=0.1"
RETRY_AFTER_FAILURE = timedelta(seconds=60)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class Unavailable(Exception):
    """The upstream could not be asked and no copy is kept: `status` 502, or 504 past the deadline."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status, self.message = status, message


def page_url(normalized_name):
    return f"{settings.UPSTREAM_INDEX_URL}{quote(normalized_name)}/"


def copy_of(normalized_name):
    """The current copy of the upstream's page for `normalized_name`: an UpstreamProject (`missing` when the
    upstream has no such project), fetched first when none is kept or it is older than UPSTREAM_CACHE_SECONDS.
    Raises Unavailable when the upstream fails and nothing is kept."""
    copy = UpstreamProject.objects.filter(normalized_name=normalized_name).first()
    now = timezone.now()
    if copy is not None and now - copy.checked < timedelta(seconds=settings.UPSTREAM_CACHE_SECONDS):
        return copy
    validators = {}
    if copy is not None and not copy.missing:
        if copy.etag:
            validators["If-None-Match"] = copy.etag
        if copy.last_modified:
            validators["If-Modified-Since"] = copy.last_modified
    url = page_url(normalized_name)
    started = time.monotonic()
    try:
        response = fetch(
            url,
            deadline=settings.UPSTREAM_PAGE_TIMEOUT,
            max_bytes=settings.UPSTREAM_PAGE_LIMIT,
            accept=ACCEPT,
            headers=validators,
        )
        if response.status == 304 and copy is not None and validators:
            report("page", "not_modified", started)
            UpstreamProject.objects.filter(pk=copy.pk).update(checked=now)
            return copy
        if response.status == 404:
            report("page", "missing", started)
            return _keep(normalized_name, copy, missing=True, now=now)
        if response.status != 200:
            raise OutboundError(f"{url} answered {response.status}")
        files, versions = parse(response, normalized_name)
    except OutboundError as error:
        logger.warning("upstream page of %s: %s", normalized_name, error)
        report("page", "timeout" if "did not answer within" in str(error) else "failed", started)
        if copy is not None:
            # Serve the last copy; ask again in a minute rather than on every request.
            later = now - timedelta(seconds=settings.UPSTREAM_CACHE_SECONDS) + RETRY_AFTER_FAILURE
            UpstreamProject.objects.filter(pk=copy.pk).update(checked=later)
            return copy
        timed_out = "did not answer within" in str(error)
        raise Unavailable(
            504 if timed_out else 502,
            f"{'Gateway Timeout' if timed_out else 'Bad Gateway'}: the upstream index did not give the page of "
            f"{normalized_name!r}; try again later.",
        ) from None
    report("page", "fetched", started, size=len(response.body))
    headers = {k.lower(): v for k, v in response.headers.items()}
    return _keep(
        normalized_name,
        copy,
        files=files,
        versions=versions,
        etag=headers.get("etag", "")[:512],
        last_modified=headers.get("last-modified", "")[:128],
        now=now,
    )


def _keep(normalized_name, copy, *, now, missing=False, files=(), versions=(), etag="", last_modified=""):
    files, versions = list(files), list(versions)
    # A first copy changes nothing cached (no page of this name was built from a copy), so the page being
    # built from it is kept under the current generation and replayed from the next request on.
    changed = copy is not None and (copy.missing != missing or copy.files != files)
    with transaction.atomic():
        copy, _ = UpstreamProject.objects.update_or_create(
            normalized_name=normalized_name,
            defaults={
                "name": normalized_name,
                "files": files,
                "versions": versions,
                "fetched": now,
                "checked": now,
                "etag": etag,
                "last_modified": last_modified,
                "missing": missing,
            },
        )
        known = set(UpstreamFile.objects.filter(project=copy).values_list("sha256_digest", flat=True))
        UpstreamFile.objects.bulk_create(
            [
                UpstreamFile(
                    project=copy,
                    filename=entry["filename"],
                    sha256_digest=entry["sha256"],
                    url=entry["url"],
                    metadata_sha256=entry["metadata_sha256"],
                )
                for entry in files
                if entry["sha256"] not in known
            ],
            ignore_conflicts=True,
        )
        if changed:
            # Every cache of the page (documents, the fast path, the edge) shows the new copy.
            fastpath.project_changed(name=normalized_name)
    return copy


# -- parsing: the upstream's answer is hostile input ------------------------------------------------------


def parse(response, normalized_name):
    """([checked file entries], [versions]) of an upstream page, JSON or HTML; OutboundError if unreadable."""
    content_type = next((v for k, v in response.headers.items() if k.lower() == "content-type"), "")
    try:
        if content_type.split(";")[0].strip() == simple.JSON:
            raw_files, versions = _from_json(response.body)
        else:
            raw_files, versions = _from_html(response.body.decode("utf-8")), []
    except (ValueError, UnicodeDecodeError, TypeError, AttributeError) as error:
        raise OutboundError(f"the upstream page of {normalized_name!r} is not readable ({error})") from None
    files, seen = [], set()
    for raw in raw_files:
        entry = _checked(raw, response.url, normalized_name)
        if entry is not None and entry["filename"] not in seen:
            seen.add(entry["filename"])
            files.append(entry)
    versions = [v for v in versions if isinstance(v, str) and len(v) <= 255]
    return files, versions


def _from_json(body):
    document = json.loads(body)
    if not isinstance(document, dict) or not isinstance(document.get("files"), list):
        raise ValueError("no list of files")
    files = []
    for item in document["files"]:
        if not isinstance(item, dict):
            continue
        hashes = item.get("hashes") if isinstance(item.get("hashes"), dict) else {}
        metadata = item.get("core-metadata", item.get("dist-info-metadata", False))
        files.append(
            {
                "filename": item.get("filename"),
                "url": item.get("url"),
                "sha256": hashes.get("sha256"),
                "requires_python": item.get("requires-python"),
                "yanked": item.get("yanked", False),
                "metadata_sha256": metadata.get("sha256") if isinstance(metadata, dict) else "",
                "size": item.get("size"),
                "upload_time": item.get("upload-time"),
            }
        )
    versions = document.get("versions") if isinstance(document.get("versions"), list) else []
    return files, versions


class _Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.current = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.current = (dict(attrs), [])

    def handle_data(self, data):
        if self.current is not None:
            self.current[1].append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self.current is not None:
            self.links.append((self.current[0], "".join(self.current[1]).strip()))
            self.current = None


def _from_html(text):
    parser = _Links()
    parser.feed(text)
    files = []
    for attrs, label in parser.links:
        href = attrs.get("href") or ""
        url, _, fragment = href.partition("#")
        sha256 = fragment.removeprefix("sha256=") if fragment.startswith("sha256=") else None
        metadata = attrs.get("data-core-metadata") or attrs.get("data-dist-info-metadata") or ""
        yanked = attrs.get("data-yanked")
        files.append(
            {
                "filename": label or url.rsplit("/", 1)[-1],
                "url": url,
                "sha256": sha256,
                "requires_python": attrs.get("data-requires-python"),
                "yanked": False if yanked is None else (yanked or True),
                "metadata_sha256": metadata.removeprefix("sha256=") if metadata.startswith("sha256=") else "",
                "size": None,
                "upload_time": None,
            }
        )
    return files


def _file_hosts():
    return {host.lower() for host in settings.UPSTREAM_FILE_HOSTS}


def _checked(raw, page, normalized_name):
    """The entry as this index keeps it, or None when anything in it is not as it must be."""
    filename, url, sha256 = raw.get("filename"), raw.get("url"), raw.get("sha256")
    if not all(isinstance(value, str) for value in (filename, url, sha256)):
        return None
    sha256 = sha256.lower()
    if not _SHA256.match(sha256) or len(filename) > 255 or "/" in filename or not _named(filename, normalized_name):
        return None
    url = urljoin(page, url)
    parts = urlsplit(url)
    upstream = urlsplit(settings.UPSTREAM_INDEX_URL)
    plain_http_allowed = upstream.scheme == "http"  # only ever a loopback upstream (settings refuse others)
    if parts.scheme not in ("https", "http") or (parts.scheme == "http" and not plain_http_allowed):
        return None
    if parts.netloc.lower() not in _file_hosts() or parts.username or parts.password or len(url) > 2048:
        return None
    metadata = raw.get("metadata_sha256") or ""
    requires_python = raw.get("requires_python")
    yanked = raw.get("yanked", False)
    size = raw.get("size")
    upload_time = raw.get("upload_time")
    return {
        "filename": filename,
        "url": url,
        "sha256": sha256,
        "requires_python": requires_python[:255] if isinstance(requires_python, str) else "",
        "yanked": yanked[:1000] if isinstance(yanked, str) and yanked else bool(yanked),
        "metadata_sha256": metadata.lower() if isinstance(metadata, str) and _SHA256.match(metadata.lower()) else "",
        "size": size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None,
        "upload_time": upload_time[:40] if isinstance(upload_time, str) else None,
    }


def _named(filename, normalized_name):
    """Whether `filename` is a wheel or sdist of the project `normalized_name` (an upstream page lists no other)."""
    named = storage.distribution_named(filename)
    return named is not None and named[0] == normalized_name


# -- this index's page of an upstream project ---------------------------------------------------------------


def file_url(request, normalized_name, entry, *, base=None):
    base = base or request.build_absolute_uri("/files/+upstream/")
    return f"{base}{quote(normalized_name)}/{entry['sha256']}/{quote(entry['filename'])}"


def served_entries(copy, *, exclude=()):
    """The entries of `copy` this index serves: none blocked by staff, none named like a file of ours."""
    blocks = blocks_of(copy.normalized_name)
    return [e for e in copy.files if e["filename"] not in exclude and blocked(blocks, e["filename"]) is None]


def document(request, copy, representation):
    """The simple page (HTML or PEP 691 JSON) of the upstream project `copy`, with links to this site."""
    base = request.build_absolute_uri("/files/+upstream/")
    files = served_entries(copy)
    if representation == simple.JSON:
        return simple._json_document(
            {
                "meta": {"api-version": simple.API_VERSION},
                "name": copy.normalized_name,
                "versions": copy.versions,
                "files": [_json_entry(entry, file_url(request, copy.normalized_name, entry, base=base)) for entry in files],
            }
        )
    links = [_html_entry(entry, file_url(request, copy.normalized_name, entry, base=base)) for entry in files]
    return simple._html_page(f"Links for {copy.normalized_name}", links)


def _json_entry(entry, url):
    document = {
        "filename": entry["filename"],
        "url": url,
        "hashes": {"sha256": entry["sha256"]},
        "requires-python": entry["requires_python"] or None,
        "core-metadata": {"sha256": entry["metadata_sha256"]} if entry["metadata_sha256"] else False,
        "yanked": entry["yanked"],
    }
    if entry["size"] is not None:
        document["size"] = entry["size"]
    if entry["upload_time"]:
        document["upload-time"] = entry["upload_time"]
    return document


def _html_entry(entry, url):
    attrs = [f'href="{escape(url)}#sha256={entry["sha256"]}"']
    if entry["requires_python"]:
        attrs.append(f'data-requires-python="{escape(entry["requires_python"])}"')
    if entry["yanked"]:
        reason = entry["yanked"] if isinstance(entry["yanked"], str) else ""
        attrs.append(f'data-yanked="{escape(reason)}"')
    if entry["metadata_sha256"]:
        attrs.append(f'data-dist-info-metadata="sha256={entry["metadata_sha256"]}"')
        attrs.append(f'data-core-metadata="sha256={entry["metadata_sha256"]}"')
    return f"    <a {' '.join(attrs)}>{escape(entry['filename'])}</a><br>\n"


def tracked_document(request, project, copy, representation):
    """The page of a project of ours whose Owner chose to track the upstream project of the same name:
    our files first, then the upstream's (none named like ours, none blocked), and PEP 708's `tracks`."""
    from .. import selectors

    local = selectors.project_files(project=project)
    url = rendering.FileURLs(request)
    provenance = rendering.ProvenanceURLs(request, project)
    base = request.build_absolute_uri("/files/+upstream/")
    theirs = served_entries(copy, exclude={f.filename for f in local}) if copy is not None and not copy.missing else []
    tracks = page_url(project.normalized_name)
    if representation == simple.JSON:
        versions = selectors.project_versions(project=project)
        upstream_versions = [v for v in (copy.versions if copy is not None else []) if v not in versions]
        return simple._json_document(
            {
                "meta": {"api-version": "1.2", "_last-serial": project.last_serial, "tracks": [tracks]},
                "name": project.normalized_name,
                "versions": versions + upstream_versions,
                "files": [simple._json_file(f, url(f), provenance(f)) for f in local]
                + [_json_entry(e, file_url(request, project.normalized_name, e, base=base)) for e in theirs],
            }
        )
    links = [simple._html_link(f, url(f), provenance(f)) for f in local] + [
        _html_entry(e, file_url(request, project.normalized_name, e, base=base)) for e in theirs
    ]
    page = simple._html_page(f"Links for {project.name}", links).decode()
    meta = f'    <meta name="pypi:tracks" content="{escape(tracks)}">\n'
    return page.replace("  </head>", meta + "  </head>", 1).encode()
