"""Tiny wheels and sdists built in memory, and the form twine sends with them.

    wheel = make_wheel("demo", "1.0")            # a Dist: .filename, .data, .metadata
    form = upload_form(wheel)                    # the fields twine 7 posts
    client.post("/legacy/", {**form, "content": wheel.upload()}, HTTP_AUTHORIZATION=...)
"""

import hashlib
import io
import tarfile
import zipfile
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from packaging.utils import canonicalize_name


def metadata_text(name, version, *, metadata_version="2.1", summary="A tiny test package", extra=()):
    lines = [f"Metadata-Version: {metadata_version}", f"Name: {name}", f"Version: {version}"]
    if summary:
        lines.append(f"Summary: {summary}")
    lines.extend(extra)
    return ("\n".join(lines) + "\n").encode()


@dataclass
class Dist:
    filename: str
    data: bytes
    metadata: bytes
    filetype: str
    name: str
    version: str
    form_extra: dict = field(default_factory=dict)

    @property
    def sha256(self):
        return hashlib.sha256(self.data).hexdigest()

    @property
    def blake2_256(self):
        return hashlib.blake2b(self.data, digest_size=32).hexdigest()

    @property
    def md5(self):
        return hashlib.md5(self.data).hexdigest()

    def upload(self, content_type="application/octet-stream"):
        return SimpleUploadedFile(self.filename, self.data, content_type=content_type)


def _dist_name(name):
    return canonicalize_name(name).replace("-", "_")


def make_wheel(name, version, *, metadata=None, filename=None, dist_info=None, files=None, tag="py3-none-any",
               omit=()):
    """A wheel with one module; `metadata` overrides METADATA, `omit` drops "WHEEL" or "METADATA"."""
    metadata = metadata if metadata is not None else metadata_text(name, version)
    filename = filename or f"{_dist_name(name)}-{version}-{tag}.whl"
    dist_info = dist_info or f"{_dist_name(name)}-{version}.dist-info"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{_dist_name(name)}/__init__.py", f"VERSION = {version!r}\n")
        if "METADATA" not in omit:
            archive.writestr(f"{dist_info}/METADATA", metadata)
        if "WHEEL" not in omit:
            archive.writestr(
                f"{dist_info}/WHEEL", f"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: {tag}\n"
            )
        for path, data in (files or {}).items():
            archive.writestr(path, data)
        archive.writestr(f"{dist_info}/RECORD", "")
    return Dist(filename, buffer.getvalue(), metadata, "bdist_wheel", name, version)


def make_sdist(name, version, *, metadata=None, filename=None, top=None, extra_top=None):
    metadata = metadata if metadata is not None else metadata_text(name, version)
    filename = filename or f"{_dist_name(name)}-{version}.tar.gz"
    top = top or f"{_dist_name(name)}-{version}"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        entries = {f"{top}/PKG-INFO": metadata, f"{top}/pyproject.toml": b"[project]\n"}
        if extra_top:
            entries[f"{extra_top}/stray.txt"] = b"x"
        for path, data in entries.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return Dist(filename, buffer.getvalue(), metadata, "sdist", name, version)


def upload_form(dist, **overrides):
    """The fields twine 7 sends (no md5_digest), as a dict; `None` values are dropped."""
    form = {
        ":action": "file_upload",
        "protocol_version": "1",
        "metadata_version": "2.1",
        "name": dist.name,
        "version": dist.version,
        "filetype": dist.filetype,
        "pyversion": "source" if dist.filetype == "sdist" else "py3",
        "summary": "A tiny test package",
        "sha256_digest": dist.sha256,
        "blake2_256_digest": dist.blake2_256,
    }
    form.update(overrides)
    return {key: value for key, value in form.items() if value is not None}
