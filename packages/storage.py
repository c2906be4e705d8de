"""Distribution files in Django's default storage, content-addressed like PyPI.

A file lives at `ab/cd/<rest of its blake2b-256 hex>/<filename>`, and a wheel's
METADATA (PEP 658) next to it at `<path>.metadata`. Files are written before
their database row commits and removed again if the transaction fails, so a
file is only ever visible with its row; a process killed in between leaves an
orphan that `manage.py sweep_orphan_files` removes.
"""

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    canonicalize_version,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion

METADATA_SUFFIX = ".metadata"


def distribution_named(filename):
    """(normalized project name, canonical version) a wheel or sdist filename carries, or None if it is neither.

    The one reading of distribution filenames outside the upload's checks: file downloads (which project a
    stored file belongs to), upstream pages (only the project's own files) and staff blocks (by version).
    """
    try:
        if filename.endswith(".whl"):
            name, version, *_ = parse_wheel_filename(filename)
        elif filename.endswith((".tar.gz", ".zip")):
            name, version = parse_sdist_filename(filename)
        else:
            return None
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None
    return canonicalize_name(name), canonicalize_version(version)
CHUNK_SIZE = 64 * 1024


def file_path(*, blake2_256, filename):
    return f"{blake2_256[:2]}/{blake2_256[2:4]}/{blake2_256[4:]}/{filename}"


def metadata_path(path):
    return path + METADATA_SUFFIX


class StreamDigest:
    """sha256, blake2b-256 and md5 of a stream, computed chunk by chunk.

    `over_limit` becomes true once more than `limit` bytes have been seen; the
    upload handler stops writing to disk from then on.
    """

    def __init__(self, limit=None):
        self.limit = limit
        self.size = 0
        self._sha256 = hashlib.sha256()
        self._blake2 = hashlib.blake2b(digest_size=32)
        self._md5 = hashlib.md5(usedforsecurity=False)

    @property
    def over_limit(self):
        return self.limit is not None and self.size > self.limit

    def update(self, chunk):
        self.size += len(chunk)
        if not self.over_limit:
            self._sha256.update(chunk)
            self._blake2.update(chunk)
            self._md5.update(chunk)

    @property
    def sha256(self):
        return self._sha256.hexdigest()

    @property
    def blake2_256(self):
        return self._blake2.hexdigest()

    @property
    def md5(self):
        return self._md5.hexdigest()

    @classmethod
    def of(cls, fileobj, limit=None):
        """Digest an already received file (tests, or a handler-less request), stopping past `limit`."""
        digest = cls(limit)
        fileobj.seek(0)
        while not digest.over_limit:
            chunk = fileobj.read(CHUNK_SIZE)
            if not chunk:
                break
            digest.update(chunk)
        fileobj.seek(0)
        return digest


class HashingUploadHandler(TemporaryFileUploadHandler):
    """Receives the upload to a temporary file on disk, hashing as it streams.

    Bytes beyond `limit` are counted but never written, so an oversize upload
    costs no more than `limit` bytes of disk and none of memory.
    """

    def __init__(self, request=None, *, limit):
        super().__init__(request)
        self.limit = limit
        self.digest = None

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.digest = StreamDigest(self.limit)

    def receive_data_chunk(self, raw_data, start):
        self.digest.update(raw_data)
        if not self.digest.over_limit:
            self.file.write(raw_data)
        return None

    def file_complete(self, file_size):
        uploaded = super().file_complete(self.digest.size)
        uploaded.digest = self.digest
        return uploaded


def store(*, path, content):
    """Write `content` (a file object) at `path`; return the name written.

    Content addressing makes the path unique to these bytes, so anything
    already there is an orphan of an earlier failed upload: replace it rather
    than letting the storage pick another name.
    """
    if default_storage.exists(path):
        default_storage.delete(path)
    content.seek(0)
    name = default_storage.save(path, content)
    if name != path:  # a storage that renamed anyway: refuse to keep it
        default_storage.delete(name)
        raise OSError(f"storage wrote {name!r} instead of {path!r}")
    return name


def store_bytes(*, path, data):
    return store(path=path, content=ContentFile(data))


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def delete_one(name):
    try:
        default_storage.delete(name)
    except FileNotFoundError:
        pass


def delete(path):
    """Delete a stored file and its metadata file, ignoring ones already gone."""
    for name in (path, metadata_path(path)):
        delete_one(name)
