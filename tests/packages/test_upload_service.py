"""The upload service against the database and a temporary storage."""

import pytest
from django.core.files.storage import default_storage
from django.http import QueryDict
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import SecurityEvent
from packages import storage
from packages.errors import InvalidUpload, UploadFailed, UploadForbidden
from packages.models import (
    File,
    FilenameRegistry,
    JournalEntry,
    Project,
    ProjectRole,
    Release,
)
from packages.upload import service as upload_service
from packages.upload.service import release_file_upload
from tests.accounts.factories import UserFactory
from tests.packages.distributions import (
    make_sdist,
    make_wheel,
    metadata_text,
    upload_form,
)
from tests.tokens.factories import make_token


def as_querydict(form):
    data = QueryDict(mutable=True)
    for key, value in form.items():
        if isinstance(value, list):
            data.setlist(key, value)
        else:
            data[key] = value
    return data


@pytest.fixture
def token(uploader):
    return make_token(uploader)[0]


def upload(dist, *, user, token, form=None, content=None, **overrides):
    form = form if form is not None else upload_form(dist, **overrides)
    return release_file_upload(
        user=user, token=token, data=as_querydict(form), content=content if content is not None else dist.upload()
    )


def stored_names(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def snapshot(root):
    return (
        Project.objects.count(),
        Release.objects.count(),
        File.objects.count(),
        FilenameRegistry.objects.count(),
        JournalEntry.objects.count(),
        stored_names(root),
    )


def test_first_wheel_creates_project_release_and_file(uploader, token, media_root):
    wheel = make_wheel("Demo-Pkg", "1.0")
    result = upload(wheel, user=uploader, token=token)

    assert result.created
    project = Project.objects.get(normalized_name="demo-pkg")
    assert project.name == "Demo-Pkg"
    assert ProjectRole.objects.get(project=project).user == uploader
    assert ProjectRole.objects.get(project=project).role == "Owner"
    release = Release.objects.get(project=project)
    assert release.version == "1.0" and release.summary == "A tiny test package"
    file = File.objects.get()
    assert file.filename == "demo_pkg-1.0-py3-none-any.whl"
    assert file.sha256_digest == wheel.sha256 and file.blake2_256_digest == wheel.blake2_256
    assert file.md5_digest == wheel.md5 and file.size == len(wheel.data)
    assert file.token_identifier == token.identifier and file.uploaded_by == uploader
    assert file.path == f"{wheel.blake2_256[:2]}/{wheel.blake2_256[2:4]}/{wheel.blake2_256[4:]}/{file.filename}"
    with default_storage.open(file.path) as f:
        assert f.read() == wheel.data
    # PEP 658: METADATA next to the file, byte-identical, with its digest on the row.
    with default_storage.open(file.path + ".metadata") as f:
        assert f.read() == wheel.metadata
    import hashlib

    assert file.metadata_sha256 == hashlib.sha256(wheel.metadata).hexdigest()
    assert FilenameRegistry.objects.filter(filename=file.filename).exists()
    project.refresh_from_db()
    assert project.total_size == len(wheel.data)
    assert project.last_serial == JournalEntry.objects.latest("id").id
    assert list(JournalEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "create",
        "new release 1.0",
        "add bdist_wheel file demo_pkg-1.0-py3-none-any.whl",
    ]
    tags = list(SecurityEvent.objects.filter(project_name="demo-pkg").order_by("id").values_list("tag", flat=True))
    assert tags == ["project:create", "project:release:add", "file:add"]
    file_event = SecurityEvent.objects.get(tag="file:add")
    assert file_event.details["filename"] == file.filename
    assert file_event.details["token_id"] == token.identifier
    assert file_event.user == uploader


def test_sdist_then_wheel_share_the_release_and_sdist_advertises_no_metadata(uploader, token, media_root):
    sdist = make_sdist("demo", "2.0")
    upload(sdist, user=uploader, token=token)
    upload(make_wheel("demo", "2.0"), user=uploader, token=token)
    release = Release.objects.get()
    assert release.files.count() == 2
    sdist_row = File.objects.get(packagetype="sdist")
    assert sdist_row.metadata_sha256 == "" and sdist_row.python_version == "source"
    assert not default_storage.exists(sdist_row.path + ".metadata")
    assert default_storage.exists(sdist_row.path)


def test_identical_reupload_succeeds_and_changes_nothing(uploader, token, media_root):
    wheel = make_wheel("demo", "1.0")
    first = upload(wheel, user=uploader, token=token)
    before = snapshot(media_root)
    events = SecurityEvent.objects.count()
    serial = Project.objects.get().last_serial

    again = upload(wheel, user=uploader, token=token)

    assert not again.created and again.file == first.file
    assert snapshot(media_root) == before
    assert SecurityEvent.objects.count() == events
    assert Project.objects.get().last_serial == serial


def test_maintainer_may_upload_to_an_existing_project(uploader, token, media_root):
    upload(make_wheel("demo", "1.0"), user=uploader, token=token)
    maintainer = UserFactory()
    TOTPDevice.objects.create(user=maintainer, name="phone", confirmed=True)
    ProjectRole.objects.create(project=Project.objects.get(), user=maintainer, role="Maintainer")
    result = upload(make_wheel("demo", "1.1"), user=maintainer, token=make_token(maintainer)[0])
    assert result.created and result.file.uploaded_by == maintainer


def test_project_scoped_token_for_a_new_name_creates_that_project(uploader, media_root):
    scoped, _ = make_token(uploader, projects=["future-thing"])
    assert upload(make_wheel("Future.Thing", "0.1"), user=uploader, token=scoped).created
    assert Project.objects.filter(normalized_name="future-thing").exists()


def test_crash_while_storing_leaves_nothing(uploader, token, media_root, monkeypatch):
    def broken_store_bytes(*, path, data):
        raise OSError("disk full")

    monkeypatch.setattr(storage, "store_bytes", broken_store_bytes)
    before = snapshot(media_root)
    with pytest.raises(UploadFailed, match="could not be stored because of a server error; nothing was kept"):
        upload(make_wheel("demo", "1.0"), user=uploader, token=token)
    # The wheel itself had been written: it is gone again, and so are the rows.
    assert snapshot(media_root) == before
    assert SecurityEvent.objects.filter(project_name="demo").count() == 0


def test_crash_after_storing_before_commit_leaves_nothing(uploader, token, media_root, monkeypatch):
    # The rows are written, the wheel's bytes stored; the crash comes as its METADATA file is written.
    def failing_store_bytes(**kwargs):
        raise RuntimeError("the process went away")

    monkeypatch.setattr(upload_service.storage, "store_bytes", failing_store_bytes)
    before = snapshot(media_root)
    with pytest.raises(RuntimeError):
        upload(make_wheel("demo", "1.0"), user=uploader, token=token)
    assert snapshot(media_root) == before
    assert not File.objects.exists() and not Release.objects.exists() and not Project.objects.exists()


def test_upload_size_limit_is_the_projects_own_when_raised(uploader, token, media_root, settings):
    settings.FILE_UPLOAD_LIMIT = 200
    wheel = make_wheel("demo", "1.0")
    with pytest.raises(InvalidUpload, match=r"^File too large. Limit for project 'demo' is 200 bytes.$"):
        upload(wheel, user=uploader, token=token)
    Project.objects.create(name="demo", normalized_name="demo", upload_limit=10_000_000)
    ProjectRole.objects.create(project=Project.objects.get(), user=uploader, role="Owner")
    assert upload(wheel, user=uploader, token=token).created


def test_project_total_size_limit(uploader, token, media_root, settings):
    upload(make_wheel("demo", "1.0"), user=uploader, token=token)
    Project.objects.update(total_size_limit=Project.objects.get().total_size + 10)
    with pytest.raises(InvalidUpload, match="^Project size too large"):
        upload(make_wheel("demo", "1.1"), user=uploader, token=token)


def test_user_without_two_factor_is_refused(media_root, db):
    user = UserFactory()
    with pytest.raises(UploadForbidden) as error:
        upload(make_wheel("demo", "1.0"), user=user, token=make_token(user)[0])
    assert error.value.message == (
        f"User '{user.username}' does not have two-factor authentication enabled. "
        "Please enable two-factor authentication before attempting to upload."
    )
    assert Project.objects.count() == 0


def test_a_security_key_alone_is_two_factor_enough_to_upload_but_an_unconfirmed_one_is_not(media_root, db):
    from django_otp_webauthn.models import WebAuthnCredential

    user = UserFactory()
    key = WebAuthnCredential.objects.create(
        user=user, name="key", credential_id=b"k" * 16, public_key=b"k", confirmed=False
    )
    with pytest.raises(UploadForbidden, match="does not have two-factor authentication enabled"):
        upload(make_wheel("demo", "1.0"), user=user, token=make_token(user)[0])

    key.confirmed = True
    key.save()
    assert upload(make_wheel("demo", "1.0"), user=user, token=make_token(user, name="second")[0]).created


def test_a_release_description_is_rendered_once_not_for_every_file(uploader, token, media_root, monkeypatch):
    rendered = []
    real_render = upload_service.description.render_description

    def counting_render(text, content_type):
        rendered.append(text)
        return real_render(text, content_type)

    monkeypatch.setattr(upload_service.description, "render_description", counting_render)
    readme = "# Demo\n\nHello **world**.\n"
    metadata = metadata_text("demo", "1.0", extra=["Description-Content-Type: text/markdown"]) + b"\n" + readme.encode()
    form = {"description": readme, "description_content_type": "text/markdown"}
    upload(make_wheel("demo", "1.0", metadata=metadata), user=uploader, token=token, **form)
    first = len(rendered)
    upload(make_sdist("demo", "1.0", metadata=metadata), user=uploader, token=token, **form)

    assert first >= 1
    assert len(rendered) == first  # the sdist joins the release with the same README: nothing rendered again
    assert "<strong>world</strong>" in Release.objects.get().description_html
    assert File.objects.count() == 2


def test_an_uploads_serial_never_moves_the_projects_back(uploader, token, media_root):
    # Journal ids are handed out at insert, not at commit: a change that took a larger id may have
    # committed first. The upload's write (one statement on PostgreSQL) keeps the larger serial.
    upload(make_wheel("demo", "1.0"), user=uploader, token=token)
    later = JournalEntry.objects.latest("id").id + 1_000_000
    Project.objects.update(last_serial=later)
    size = Project.objects.get().total_size
    result = upload(make_wheel("demo", "1.1"), user=uploader, token=token)
    project = Project.objects.get()
    assert project.last_serial == later
    assert project.total_size == size + result.file.size
    assert JournalEntry.objects.filter(project_name="demo", action__startswith="add bdist_wheel file demo-1.1").exists()
