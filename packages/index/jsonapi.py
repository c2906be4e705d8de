"""The JSON API: /pypi/<name>/json and /pypi/<name>/<version>/json, in PyPI's shape.

`info` comes from the release's core metadata as stored by the upload
(packaging's RawMetadata keys, lower snake case); fields the metadata lacks
are null, as on PyPI.
"""

import json

from django.urls import reverse

from .. import selectors
from . import rendering

# Statistics this index does not keep; PyPI itself reports -1.
NO_DOWNLOADS = {"last_day": -1, "last_month": -1, "last_week": -1}

_SCALAR_FIELDS = (
    "author",
    "author_email",
    "download_url",
    "home_page",
    "license",
    "license_expression",
    "maintainer",
    "maintainer_email",
)
_LIST_FIELDS = ("classifiers", "dynamic", "license_files", "provides_extra", "requires_dist")


def _info(request, project, release):
    meta = release.metadata or {}
    info = {field: meta.get(field) or None for field in _SCALAR_FIELDS}
    info.update({field: list(meta.get(field) or []) or None for field in _LIST_FIELDS})
    info["classifiers"] = info["classifiers"] or []
    keywords = meta.get("keywords") or []
    project_urls = meta.get("project_urls") or {}
    platforms = meta.get("platforms") or []
    package_url = request.build_absolute_uri(reverse("packages:project", args=[project.normalized_name]))
    info.update(
        {
            "bugtrack_url": None,
            "description": release.description,
            "description_content_type": release.description_content_type or None,
            "docs_url": None,
            "downloads": NO_DOWNLOADS,
            "keywords": ",".join(keywords) if isinstance(keywords, list) else keywords,
            "name": project.name,
            "package_url": package_url,
            "platform": ", ".join(platforms) if isinstance(platforms, list) else platforms or None,
            "project_url": package_url,
            "project_urls": dict(project_urls) or None,
            "release_url": request.build_absolute_uri(
                reverse("packages:release", args=[project.normalized_name, release.version])
            ),
            "requires_python": release.requires_python or None,
            "summary": release.summary or None,
            "version": release.version,
            "yanked": release.yanked,
            "yanked_reason": release.yanked_reason or None,
        }
    )
    return dict(sorted(info.items()))


def _file(file, url):
    release = file.release
    return {
        "comment_text": "",
        "digests": {
            "blake2b_256": file.blake2_256_digest,
            "md5": file.md5_digest,
            "sha256": file.sha256_digest,
        },
        "downloads": -1,
        "filename": file.filename,
        "has_sig": False,
        "md5_digest": file.md5_digest,
        "packagetype": file.packagetype,
        "python_version": file.python_version,
        "requires_python": release.requires_python or None,
        "size": file.size,
        "upload_time": file.upload_time.strftime("%Y-%m-%dT%H:%M:%S"),
        "upload_time_iso_8601": rendering.upload_time(file.upload_time),
        "url": url,
        "yanked": release.yanked,
        "yanked_reason": release.yanked_reason or None,
    }


def project_document(request, project):
    """The project endpoint: the latest release's info and files, and every release's files."""
    releases = selectors.project_releases(project=project)
    latest = selectors.release_latest(releases)
    if latest is None:
        return None
    url = rendering.FileURLs(request)
    files = selectors.project_files(project=project)
    by_release = {release.id: [] for release in releases}
    for file in files:
        by_release[file.release.id].append(_file(file, url(file)))
    document = {
        "info": _info(request, project, latest),
        "last_serial": project.last_serial,
        "releases": {release.version: by_release[release.id] for release in releases},
        "urls": by_release[latest.id],
        "vulnerabilities": [],
    }
    return json.dumps(document, ensure_ascii=False).encode()


def release_document(request, project, release):
    """The release endpoint: that release's info and files (no `releases`, as on PyPI)."""
    url = rendering.FileURLs(request)
    files = selectors.project_files(project=project, release=release)
    document = {
        "info": _info(request, project, release),
        "last_serial": project.last_serial,
        "urls": [_file(f, url(f)) for f in files],
        "vulnerabilities": [],
    }
    return json.dumps(document, ensure_ascii=False).encode()
