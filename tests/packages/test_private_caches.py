"""No cache in front of the index answers one reader with what only another may see.

Through `indexsite.wsgi.application` (the fast path in front of Django, as
gunicorn runs it): a reader's private page is replayed to that reader only,
a stranger asking the same URL with the same Accept and Host gets the 404 of a
name nobody has, and losing access (a removed role, a revoked or expired
token) takes effect on the very next request. The same for files, 304s and HEADs.
"""

import time

import pytest
from django.core.cache import cache
from django.db import connections, transaction

from indexsite.wsgi import fastpath as application  # inside the request observer
from packages.index.fastpath import IndexFastPath
from packages.models import ProjectRole
from packages.reading import readers
from tests.accounts.factories import UserFactory
from tests.concurrency import at_once
from tests.packages.factories import FileFactory
from tests.packages.test_fastpath import PIP_ACCEPT, get, keep_the_test_connection  # noqa: F401
from tests.tokens.factories import basic_auth_header, make_token
from tokens.services import token_revoke


@pytest.fixture
def site(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield IndexFastPath(application.app)
    cache.clear()


@pytest.fixture
def secret(db, media_root):
    file = FileFactory(release__project__name="secret", release__version="1.0", stored=True)
    project = file.release.project
    project.private = True
    project.save()
    return file


@pytest.fixture
def people(secret):
    """A: a maintainer of `secret` with a read token scoped to it; B: a stranger with an account-wide token."""
    reader = UserFactory()
    role = ProjectRole.objects.create(project=secret.release.project, user=reader, role=ProjectRole.Role.MAINTAINER)
    _, reader_token = make_token(reader, projects=["secret"])
    _, stranger_token = make_token()
    return {
        "a": {"HTTP_AUTHORIZATION": basic_auth_header(reader_token)},
        "b": {"HTTP_AUTHORIZATION": basic_auth_header(stranger_token)},
        "role": role,
    }


def nobody(site, path="/simple/nosuchproject/", **headers):
    return get(site, path, **headers)


def test_a_replayed_private_page_never_reaches_a_stranger(site, secret, people, django_assert_num_queries):
    first = get(site, "/simple/secret/", HTTP_ACCEPT=PIP_ACCEPT, **people["a"])
    assert first.status == 200 and b"secret-1.0-py3-none-any.whl" in first.body
    with django_assert_num_queries(0):
        for _ in range(3):
            again = get(site, "/simple/secret/", HTTP_ACCEPT=PIP_ACCEPT, **people["a"])
            assert (again.status, again.body) == (200, first.body)
    assert again.headers["cache-control"].startswith("private")

    stranger = get(site, "/simple/secret/", HTTP_ACCEPT=PIP_ACCEPT, **people["b"])
    anonymous = get(site, "/simple/secret/", HTTP_ACCEPT=PIP_ACCEPT)
    assert stranger.status == anonymous.status == 404
    assert stranger.body == b"Not Found: no project named 'secret'.\n"
    assert anonymous.body == stranger.body
    assert nobody(site, HTTP_ACCEPT=PIP_ACCEPT, **people["b"]).body == b"Not Found: no project named 'nosuchproject'.\n"


def test_a_removed_reader_gets_404_on_the_next_request(site, secret, people):
    for _ in range(3):
        assert get(site, "/simple/secret/", **people["a"]).status == 200
    people["role"].delete()
    assert get(site, "/simple/secret/", **people["a"]).status == 404


def test_a_revoked_token_is_refused_at_once(site, secret, people):
    for _ in range(3):
        assert get(site, "/simple/secret/", **people["a"]).status == 200
    from tokens.models import APIToken

    token_revoke(token=APIToken.objects.get(owner=people["role"].user))
    refused = get(site, "/simple/secret/", **people["a"])
    assert refused.status == 401
    assert refused.body == b"Unauthorized: the API token has been revoked. Create a new token on your account page.\n"


def test_an_expired_token_is_refused_once_its_time_has_come(site, secret, people, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from tokens.models import APIToken

    token = APIToken.objects.get(owner=people["role"].user)
    token.expires = timezone.now() + timedelta(hours=1)
    token.save()
    for _ in range(3):
        assert get(site, "/simple/secret/", **people["a"]).status == 200
    # An hour later: the reader kept in this process knows its own expiry (no write moved anything).
    later = time.time() + 3601
    monkeypatch.setattr(readers.time, "time", lambda: later)
    APIToken.objects.filter(pk=token.pk).update(expires=timezone.now() - timedelta(seconds=1))
    refused = get(site, "/simple/secret/", **people["a"])
    assert refused.status == 401
    assert b"has expired" in refused.body


def test_files_304s_and_heads_follow_the_same_rule(site, secret, people):
    path = f"/files/{secret.path}"
    first = get(site, path, **people["a"])
    assert first.status == 200
    again = get(site, path, **people["a"])
    assert again.body == first.body
    etag = first.headers["etag"]
    assert get(site, path, HTTP_IF_NONE_MATCH=etag, **people["a"]).status == 304
    assert get(site, path, HTTP_IF_NONE_MATCH=etag, **people["b"]).status == 404
    assert get(site, path, HTTP_IF_NONE_MATCH=etag).status == 404
    assert get(site, path, REQUEST_METHOD="HEAD", **people["a"]).status == 200
    assert get(site, path, REQUEST_METHOD="HEAD", **people["b"]).status == 404
    assert get(site, path, REQUEST_METHOD="HEAD").status == 404
    page_etag = get(site, "/simple/secret/", **people["a"]).headers["etag"]
    assert get(site, "/simple/secret/", HTTP_IF_NONE_MATCH=page_etag, **people["a"]).status == 304
    assert get(site, "/simple/secret/", HTTP_IF_NONE_MATCH=page_etag, **people["b"]).status == 404
    people["role"].delete()
    assert get(site, path, HTTP_IF_NONE_MATCH=etag, **people["a"]).status == 404
    assert get(site, path, **people["a"]).status == 404
    assert get(site, path, REQUEST_METHOD="HEAD", **people["a"]).status == 404


def test_a_project_made_private_disappears_from_replayed_public_answers(site, secret, people):
    project = secret.release.project
    project.private = False
    project.save()
    assert get(site, "/simple/secret/").status == 200
    assert get(site, "/simple/secret/").status == 200
    assert b"secret" in get(site, "/simple/").body
    from packages.index.rendering import project_changed

    with transaction.atomic():
        project.private = True
        project.save()
        project_changed(name="secret", index=True)
    assert get(site, "/simple/secret/").status == 404
    assert b"secret" not in get(site, "/simple/").body
    assert get(site, f"/files/{secret.path}").status == 404


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_no_read_succeeds_after_the_removal_commits(settings, media_root):
    """20 reads by a member run while another request removes them: none that starts after the commit succeeds."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    site = IndexFastPath(application.app)
    file = FileFactory(release__project__name="secret", release__version="1.0", stored=True)
    project = file.release.project
    project.private = True
    project.save()
    token, raw = make_token(projects=["secret"])
    role = ProjectRole.objects.create(project=project, user=token.owner, role=ProjectRole.Role.MAINTAINER)
    headers = {"HTTP_AUTHORIZATION": basic_auth_header(raw)}
    assert get(site, "/simple/secret/", **headers).status == 200
    committed = {}

    def remove():
        time.sleep(0.1)
        with transaction.atomic():
            ProjectRole.objects.filter(pk=role.pk).delete()
        committed["at"] = time.monotonic()
        return "removed"

    def read():
        # Until a few reads have started after the commit, however loaded the machine (a fixed window could
        # close before the removal commits), within a bound that only a hung removal reaches.
        results = []
        give_up = time.monotonic() + 30
        while time.monotonic() < give_up:
            started = time.monotonic()
            answer = get(site, "/simple/secret/", **headers)
            results.append((started, answer.status))
            if "at" in committed and sum(1 for begun, _ in results if begun > committed["at"]) >= 3:
                break
            time.sleep(0.005)
        return results

    outcomes = at_once(remove, *([read] * 20))
    assert outcomes[0] == "removed", outcomes[0]
    reads = [r for outcome in outcomes[1:] for r in outcome]
    assert all(status in (200, 404) for _, status in reads), reads
    after = [status for started, status in reads if started > committed["at"]]
    assert after and set(after) == {404}
    assert get(site, "/simple/secret/", **headers).status == 404
    connections.close_all()
