"""Uploads and removals sent at the same moment: nothing lost, nothing doubled (PostgreSQL row locks)."""

import threading
import time

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from packages import services
from accounts.models import SecurityEvent
from packages.models import File, FilenameRegistry, JournalEntry, Project, ProjectRole, Release
from packages import storage
from tests.accounts.factories import UserFactory
from tests.concurrency import at_once
from tests.packages.distributions import make_wheel, upload_form
from tests.tokens.factories import basic_auth_header, make_token

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def no_upload_rate_limit(settings, django_db_blocker):
    """Every request here comes from one IP: the upload limits would answer 429 long before a race."""
    from django.core.cache import cache

    settings.UPLOAD_RATE_LIMIT = settings.PROJECT_CREATION_RATE_LIMIT = 10_000
    with django_db_blocker.unblock():
        cache.clear()


def _uploader():
    user = UserFactory()
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user, basic_auth_header(make_token(user)[1])


def _post(dist, auth):
    def call():
        response = Client().post("/legacy/", {**upload_form(dist), "content": dist.upload()}, HTTP_AUTHORIZATION=auth)
        return response.status_code, response.content.decode().strip()

    return call


def stored_files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_fifty_uploads_of_one_new_filename_with_different_bytes_store_exactly_one(media_root):
    user, auth = _uploader()
    Client().post("/legacy/", {**upload_form(first := make_wheel("race", "0.1")), "content": first.upload()}, HTTP_AUTHORIZATION=auth)
    wheels = [make_wheel("race", "1.0", files={"race/n.py": f"N = {n}\n"}) for n in range(50)]
    assert len({w.sha256 for w in wheels}) == 50 and len({w.filename for w in wheels}) == 1

    results = at_once(*[_post(w, auth) for w in wheels])

    assert not [r for r in results if isinstance(r, BaseException) or r[0] >= 500], results
    assert sum(1 for status, _ in results if status == 200) == 1
    refused = [body for status, body in results if status != 200]
    assert len(refused) == 49 and all(status == 400 for status, _ in results if status != 200), sorted(s for s, _ in results)
    odd = [body for body in refused if not body.startswith("File already exists ('race-1.0-py3-none-any.whl', with blake2_256 hash")]
    assert not odd, odd
    file = File.objects.get(filename="race-1.0-py3-none-any.whl")
    winner = next(w for w in wheels if w.sha256 == file.sha256_digest)
    # Exactly the winner's bytes (and its METADATA) are stored: zero orphan blobs.
    assert stored_files(media_root) == sorted(
        [first_path := File.objects.get(filename=first.filename).path, first_path + ".metadata", file.path, file.path + ".metadata"]
    )
    assert (media_root / file.path).read_bytes() == winner.data
    assert Project.objects.get(normalized_name="race").total_size == len(first.data) + len(winner.data)


def test_twenty_first_uploads_to_one_new_project_make_one_project_with_one_owner(media_root):
    user, auth = _uploader()
    wheels = [make_wheel("fresh-project", f"1.{n}") for n in range(20)]

    results = at_once(*[_post(w, auth) for w in wheels])

    assert [status for status, _ in results] == [200] * 20, results
    project = Project.objects.get()
    assert project.normalized_name == "fresh-project"
    assert list(ProjectRole.objects.values_list("user", "role")) == [(user.pk, "Owner")]
    assert Release.objects.count() == 20 and File.objects.count() == 20
    assert project.total_size == sum(len(w.data) for w in wheels)


def test_two_look_alike_names_at_once_make_one_project(media_root):
    _, auth = _uploader()
    lookalikes = [make_wheel("lookalike", "1.0"), make_wheel("l00ka1ike", "1.0")]

    results = at_once(*[_post(w, auth) for w in lookalikes], times=3)

    assert Project.objects.count() == 1
    statuses = sorted(status for status, _ in results)
    assert 500 > statuses[-1] and statuses.count(200) >= 1
    winner = Project.objects.get().name
    for status, body in results:
        if status != 200:
            assert status == 400 and "is too similar to an existing project" in body, body
    assert all(body.startswith("Uploaded") or "already uploaded" in body for status, body in results if status == 200)
    assert winner in ("lookalike", "l00ka1ike")


def test_a_release_removed_while_a_file_uploads_to_it_leaves_no_orphan_and_a_right_size(media_root, monkeypatch):
    user, auth = _uploader()
    base = make_wheel("busy", "1.0")
    assert _post(base, auth)() == (200, "Uploaded busy-1.0-py3-none-any.whl.")
    release = Release.objects.get()
    late = make_wheel("busy", "1.0", tag="py2.py3-none-any")

    # Hold the upload inside its transaction (rows written, project locked) until the removal has started.
    storing, removal_started = threading.Event(), threading.Event()
    real_store = storage.store

    def slow_store(**kwargs):
        storing.set()
        removal_started.wait(timeout=10)
        time.sleep(0.5)  # the removal reads what it will remove meanwhile, unless it waits for the lock
        return real_store(**kwargs)

    monkeypatch.setattr(storage, "store", slow_store)

    def remove():
        storing.wait(timeout=10)
        removal_started.set()
        services.release_remove(user=user, release=release)

    results = at_once(_post(late, auth), remove)

    assert results[0][0] == 200, results
    assert results[1] is None, results
    assert not Release.objects.exists() and not File.objects.exists()
    assert Project.objects.get().total_size == 0
    assert set(FilenameRegistry.objects.values_list("filename", flat=True)) == {base.filename, late.filename}
    assert stored_files(media_root) == []


def test_ten_wheels_of_one_new_release_at_once_join_one_release(media_root):
    """Each upload finds no release before the lock; under it, all but the first join the one just made."""
    user, auth = _uploader()
    Client().post("/legacy/", {**upload_form(first := make_wheel("multi", "0.1")), "content": first.upload()}, HTTP_AUTHORIZATION=auth)
    tags = [f"cp3{n}-cp3{n}-manylinux_2_17_x86_64" for n in range(8, 18)]
    wheels = [make_wheel("multi", "1.0", tag=tag) for tag in tags]

    results = at_once(*[_post(w, auth) for w in wheels])

    assert [status for status, _ in results] == [200] * 10, results
    release = Release.objects.get(project__normalized_name="multi", version="1.0")
    assert release.files.count() == 10
    # Each upload's write moved the project's size and serial with its own: none was lost to another.
    project = Project.objects.get(normalized_name="multi")
    assert project.total_size == sum(File.objects.filter(release__project=project).values_list("size", flat=True))
    assert project.last_serial == JournalEntry.objects.filter(project_name="multi").latest("id").id
    assert JournalEntry.objects.filter(project_name="multi", action__startswith="add bdist_wheel file multi-1.0").count() == 10
    assert SecurityEvent.objects.filter(tag="file:add", project_name="multi", details__version="1.0").count() == 10


def test_the_same_file_sent_ten_times_at_once_is_stored_once_and_every_sender_hears_success(media_root):
    """The unique columns refuse the duplicates under the lock; the handler answers them as the identical file."""
    user, auth = _uploader()
    Client().post("/legacy/", {**upload_form(first := make_wheel("again", "0.1")), "content": first.upload()}, HTTP_AUTHORIZATION=auth)
    wheel = make_wheel("again", "1.0")

    results = at_once(*[_post(wheel, auth) for _ in range(10)])

    assert [status for status, _ in results] == [200] * 10, results
    assert File.objects.filter(filename=wheel.filename).count() == 1
    assert FilenameRegistry.objects.filter(filename=wheel.filename).count() == 1
    assert Project.objects.get(normalized_name="again").total_size == len(first.data) + len(wheel.data)
