"""The edges real clients hit: old-style sdist names, /legacy without its slash, hatch's
/legacy/+simple/ probe, the filename-reuse advice and its help page, one log line per error.

The clients themselves prove each of these in tests/e2e/test_clients.py; these
tests pin the server's side of each.
"""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core import mail
from django.db import OperationalError, connection, transaction

from packages.models import DeprecationNotice, File, Project, Release
from packages.services import file_remove
from packages.upload import notices
from tests.accounts.factories import UserFactory
from tests.packages.distributions import make_sdist, make_wheel, upload_form

ROOT = Path(__file__).resolve().parents[2]
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"


def post(client, dist, auth, path="/legacy/", **overrides):
    return client.post(path, {**upload_form(dist, **overrides), "content": dist.upload()}, HTTP_AUTHORIZATION=auth)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what each upload leaves for after its commit (the mail), as a real request does."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


# -- 1. old-style sdist filenames ----------------------------------------------


def old_style_sdist(name, version, filename=None):
    """What setuptools < 69.3 writes: the project name as written, hyphens kept."""
    return make_sdist(name, version, filename=filename or f"{name}-{version}.tar.gz", top=f"{name}-{version}")


def notice_mails(uploader):
    return [m for m in mail.outbox if "Deprecated source distribution filename" in m.subject and m.to == [
        uploader.primary_email.email
    ]]


def test_old_style_sdist_is_accepted_recorded_and_its_uploader_emailed_once(
    client, uploader, auth, media_root, committed
):
    assert committed(post, client, make_wheel("ct-oldmeta", "1.0"), auth).status_code == 200
    sdist = old_style_sdist("ct-oldmeta", "1.0")

    response = committed(post, client, sdist, auth)

    assert response.status_code == 200, response.content
    assert response.content.decode().strip() == "Uploaded ct-oldmeta-1.0.tar.gz."
    release = Release.objects.get(project__normalized_name="ct-oldmeta", version="1.0")
    assert sorted(release.files.values_list("filename", flat=True)) == [
        "ct-oldmeta-1.0.tar.gz",
        "ct_oldmeta-1.0-py3-none-any.whl",
    ]
    notice = DeprecationNotice.objects.get()
    assert (notice.filename, notice.canonical_version, notice.user) == ("ct-oldmeta-1.0.tar.gz", "1", uploader)
    [message] = notice_mails(uploader)
    assert "ct-oldmeta-1.0.tar.gz" in message.body and "ct_oldmeta-1.0.tar.gz" in message.body
    assert "/help/#sdist-filename" in message.body

    # The sdist is deleted and the release gets another old-style one: recorded once, no second mail.
    file_remove(user=uploader, file=File.objects.get(filename=sdist.filename))
    again = old_style_sdist("ct-oldmeta", "1.0", filename="CT-Oldmeta-1.0.tar.gz")
    assert committed(post, client, again, auth).status_code == 200
    assert DeprecationNotice.objects.count() == 1
    assert len(notice_mails(uploader)) == 1

    # The next release is a new notice.
    assert committed(post, client, old_style_sdist("ct-oldmeta", "1.1"), auth).status_code == 200
    assert DeprecationNotice.objects.count() == 2
    assert len(notice_mails(uploader)) == 2


def test_pep625_sdist_gets_no_notice(client, uploader, auth, media_root, committed):
    assert committed(post, client, make_sdist("ct-new", "1.0"), auth).status_code == 200
    assert DeprecationNotice.objects.count() == 0 and notice_mails(uploader) == []


def test_refused_old_style_sdist_records_nothing(client, uploader, auth, media_root, committed):
    # Every other filename check still holds for the old form.
    response = committed(post, client, old_style_sdist("ct-oldmeta", "1.0", filename="ct-oldmeta-2.0.tar.gz"), auth)
    assert (response.status_code, response.reason_phrase) == (400, "Version in filename should be '1.0' not '2.0'.")
    response = committed(post, client, old_style_sdist("ct-oldmeta", "1.0", filename="ct-oldmeta-1.0.zip"), auth)
    assert (response.status_code, response.reason_phrase) == (400, "Invalid file extension: Use .tar.gz or .whl.")
    assert Project.objects.count() == 0 and DeprecationNotice.objects.count() == 0 and notice_mails(uploader) == []


def test_a_rolled_back_upload_sends_no_notice(uploader, media_root, django_capture_on_commit_callbacks):
    project = Project.objects.create(name="ct-oldmeta", normalized_name="ct-oldmeta")
    release = Release.objects.create(project=project, version="1.0", canonical_version="1")
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            notices.legacy_sdist_filename_notice(user=uploader, project=project, release=release, filename="x")
            raise RuntimeError("the upload failed after the notice")
    assert DeprecationNotice.objects.count() == 0 and notice_mails(uploader) == []


@pytest.mark.django_db(transaction=True)
def test_notice_is_sent_once_when_uploads_of_one_release_arrive_together():
    user = UserFactory()
    project = Project.objects.create(name="ct-oldmeta", normalized_name="ct-oldmeta")
    release = Release.objects.create(project=project, version="1.0", canonical_version="1")
    mail.outbox = []
    start = threading.Barrier(4, timeout=30)
    sent, errors = [], []

    def upload(filename):
        try:
            start.wait()
            for _ in range(500):
                try:
                    with transaction.atomic():
                        result = notices.legacy_sdist_filename_notice(
                            user=user, project=project, release=release, filename=filename
                        )
                except OperationalError as error:
                    # The test database on SQLite is in memory, where a writer meets a lock
                    # at once instead of waiting as a file database does: wait here instead.
                    if "locked" not in str(error):
                        raise
                    time.sleep(0.01)
                else:
                    sent.append(result)
                    break
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=upload, args=(f"ct-oldmeta-1.0-{i}.tar.gz",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(sent) == [False, False, False, True]
    assert DeprecationNotice.objects.count() == 1
    assert len(notice_mails(user)) == 1


# -- 2. /legacy without the slash ---------------------------------------------


@pytest.mark.parametrize("debug", [True, False])
def test_upload_to_legacy_without_slash_is_answered_directly(client, auth, media_root, settings, debug):
    settings.DEBUG = debug
    wheel = make_wheel("demo", "1.0")

    response = post(client, wheel, auth, path="/legacy")

    # Neither Django's APPEND_SLASH error (500 in DEBUG) nor a redirect twine refuses.
    assert response.status_code == 200, response.content
    assert response.content.decode().strip() == "Uploaded demo-1.0-py3-none-any.whl."
    assert File.objects.get().filename == wheel.filename


def test_refusal_on_legacy_without_slash_is_the_same_refusal(client, media_root):
    response = post(client, make_wheel("demo", "1.0"), "", path="/legacy")
    assert (response.status_code, response.reason_phrase) == (403, "Invalid or non-existent authentication information.")


# -- 3. hatch's devpi-style probe ---------------------------------------------


@pytest.mark.parametrize("accept", [None, "*/*", f"{SIMPLE_JSON}, application/vnd.pypi.simple.v1+html;q=0.1"])
def test_legacy_simple_probe_answers_as_the_simple_api(client, auth, media_root, accept):
    assert post(client, make_wheel("demo", "1.0"), auth).status_code == 200
    headers = {"HTTP_ACCEPT": accept} if accept else {}

    probe = client.get("/legacy/+simple/demo/", **headers)
    simple = client.get("/simple/demo/", **headers)

    assert probe.status_code == simple.status_code == 200
    assert probe.content == simple.content
    assert "demo-1.0-py3-none-any.whl" in probe.content.decode()
    for header in ("Content-Type", "Vary", "ETag", "Cache-Control", "X-PyPI-Last-Serial"):
        assert probe[header] == simple[header], header
    # Conditional GET works the same too.
    assert client.get("/legacy/+simple/demo/", HTTP_IF_NONE_MATCH=probe["ETag"], **headers).status_code == 304


def test_legacy_simple_probe_for_other_spellings_and_missing_projects(client, auth, media_root):
    assert post(client, make_wheel("demo", "1.0"), auth).status_code == 200
    response = client.get("/legacy/+simple/Demo/")
    assert (response.status_code, response["Location"]) == (301, "/legacy/+simple/demo/")
    missing, simple_missing = client.get("/legacy/+simple/nothing/"), client.get("/simple/nothing/")
    assert missing.status_code == simple_missing.status_code == 404
    assert missing.content == simple_missing.content


def test_release_address_hatch_prints_leads_to_the_release_page(client, auth, media_root):
    assert post(client, make_wheel("demo", "1.0"), auth).status_code == 200
    response = client.get("/legacy/demo/1.0/", follow=True)
    assert response.redirect_chain[0][0] == "/project/demo/1.0/"
    assert response.status_code == 200 and "demo 1.0" in response.content.decode()


# -- 4. the filename-reuse refusal and its help page ---------------------------


def test_duplicate_refusal_keeps_pypis_sentence_and_says_what_to_do(client, auth, media_root, settings):
    settings.SITE_URL = "https://index.example"
    assert post(client, make_wheel("demo", "1.0"), auth).status_code == 200
    other = make_wheel("demo", "1.0", files={"demo/rebuilt.py": "x = 1\n"})

    response = post(client, other, auth)

    expected = (
        f"File already exists ('demo-1.0-py3-none-any.whl', with blake2_256 hash '{other.blake2_256}'). "
        "A filename can never be reused: bump the version, or publish a post-release such as 1.0.post1. "
        "See https://index.example/help/#file-name-reuse for more information."
    )
    assert (response.status_code, response.reason_phrase, response.content.decode().strip()) == (400, expected, expected)


def test_help_page_explains_filename_reuse_on_the_site_template(client, db):
    response = client.get("/help/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="file-name-reuse"' in page and 'id="sdist-filename"' in page
    assert "can never be used again" in page and "1.0.post1" in page
    assert "Skip to main content" in page and 'class="site-footer"' in page  # the base template
    assert page.count('id="archives"') == 1
    title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    assert title.startswith("Help") and "<" not in title
    assert 'href="/help/"' in client.get("/search/").content.decode()  # linked from every page's footer


# -- 5. one log line per error in DEBUG ----------------------------------------


def test_debug_logs_each_error_line_once(tmp_path):
    """The real settings' logging, in a fresh process as `make run` starts it."""
    code = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "client = Client(HTTP_HOST='localhost')\n"
        "assert client.get('/no-such-page/').status_code == 404\n"
        "assert client.post('/legacy/', {}).status_code == 403\n"
    )
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "indexsite.settings",
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "LOG_LEVEL": "INFO",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("Not Found: /no-such-page/") == 1, result.stderr
    assert result.stderr.count("Invalid or non-existent authentication information.: /legacy/") == 1, result.stderr
