"""Factories for projects, releases and files.

`FileFactory(content=b"...")` derives size and digests from the bytes;
`FileFactory(stored=True)` also writes them (and, with `metadata=b"..."`, the
PEP 658 METADATA file) to the default storage; use it with a temporary
MEDIA_ROOT (the `media_root` fixture).
"""

import hashlib

import factory
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from packaging.utils import canonicalize_name, canonicalize_version

from packages.models import File, FilenameRegistry, Project, ProjectRole, Release
from packages.storage import file_path, metadata_path
from tests.accounts.factories import UserFactory


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"project-{n}")
    normalized_name = factory.LazyAttribute(lambda o: canonicalize_name(o.name))


class ProjectRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectRole

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)
    role = ProjectRole.Role.OWNER


class ReleaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Release

    project = factory.SubFactory(ProjectFactory)
    version = factory.Sequence(lambda n: f"1.{n}")
    canonical_version = factory.LazyAttribute(lambda o: canonicalize_version(o.version))
    summary = "A small test package"
    metadata = factory.LazyAttribute(
        lambda o: {"metadata_version": "2.1", "name": o.project.name, "version": o.version, "summary": o.summary}
    )


def _digest(name):
    def compute(o):
        if name == "blake2_256":
            return hashlib.blake2b(o.content, digest_size=32).hexdigest()
        return hashlib.new(name, o.content).hexdigest()

    return factory.LazyAttribute(compute)


class FileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = File
        exclude = ("dist_name",)

    release = factory.SubFactory(ReleaseFactory)
    content = factory.Sequence(lambda n: f"distribution file {n}".encode())
    metadata = None  # bytes of the PEP 658 METADATA, or None
    stored = False
    dist_name = factory.LazyAttribute(lambda o: o.release.project.normalized_name.replace("-", "_"))
    filename = factory.LazyAttribute(lambda o: f"{o.dist_name}-{o.release.version}-py3-none-any.whl")
    packagetype = File.PackageType.WHEEL
    python_version = "py3"
    size = factory.LazyAttribute(lambda o: len(o.content))
    sha256_digest = _digest("sha256")
    blake2_256_digest = _digest("blake2_256")
    md5_digest = _digest("md5")
    path = factory.LazyAttribute(lambda o: file_path(blake2_256=o.blake2_256_digest, filename=o.filename))
    metadata_sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.metadata).hexdigest() if o.metadata else "")

    @classmethod
    def _create(cls, model_class, *args, content, metadata, stored, **kwargs):
        obj = super()._create(model_class, *args, **kwargs)
        FilenameRegistry.objects.get_or_create(filename=obj.filename)
        if stored:
            default_storage.save(obj.path, ContentFile(content))
            if metadata:
                default_storage.save(metadata_path(obj.path), ContentFile(metadata))
        return obj
