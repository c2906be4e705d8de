"""Private projects and a private index: every read path for every kind of visitor.

A private project is readable by its collaborators, the teams with a role on it,
its organisation's Owners (and members when the organisation lets them read all
its projects), staff, and read tokens whose holder may read it. To anyone else it
does not exist: every answer is the one a name nobody has gets, to the byte (the
name aside) and header for header. With PRIVATE_INDEX on, every read needs a
signed-in person or a valid token: machines get 401 with WWW-Authenticate, people
the login page.
"""

import hashlib
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from organizations.models import OrganizationRole
from packages.models import FileProvenance, ProjectRole, TeamProjectRole
from tests.accounts.factories import UserFactory
from tests.organizations.factories import add_member, make_organization, make_team
from tests.packages.factories import FileFactory, ReleaseFactory
from tests.tokens.factories import basic_auth_header, make_token
from tokens.services import token_revoke

JSON = "application/vnd.pypi.simple.v1+json"
METADATA = b"Metadata-Version: 2.1\nName: secret\nVersion: 1.0\n"


class World:
    """Two projects: `secret` (private, of organisation acme) and `open` (public), each with a stored file."""


@pytest.fixture
def world(db, media_root):
    cache.clear()
    w = World()
    w.org_owner = UserFactory(username="orgowner")
    w.org = make_organization(w.org_owner, name="acme")
    secret_file = FileFactory(
        release__project__name="secret", release__version="1.0", stored=True, metadata=METADATA,
        release__summary="internal tooling",
    )
    w.secret = secret_file.release.project
    w.secret.private = True
    w.secret.organization = w.org
    w.secret.save()
    w.secret_file = secret_file
    FileProvenance.objects.create(
        file=secret_file, kind="github", repository="acme/secret", workflow="release.yml",
        document={"version": 1, "attestation_bundles": []},
    )
    w.open_file = FileFactory(release__project__name="open", release__version="2.0", stored=True)
    w.open = w.open_file.release.project

    w.owner = UserFactory(username="owner")
    ProjectRole.objects.create(project=w.secret, user=w.owner, role=ProjectRole.Role.OWNER)
    ProjectRole.objects.create(project=w.open, user=w.owner, role=ProjectRole.Role.OWNER)
    w.collaborator = UserFactory(username="collaborator")
    ProjectRole.objects.create(project=w.secret, user=w.collaborator, role=ProjectRole.Role.MAINTAINER)
    w.team_member = UserFactory(username="teammember")
    add_member(w.org, w.team_member)
    w.team = make_team(w.org, w.org_owner, name="core", members=[w.team_member])
    TeamProjectRole.objects.create(team=w.team, project=w.secret, role=ProjectRole.Role.MAINTAINER)
    w.org_member = UserFactory(username="orgmember")
    add_member(w.org, w.org_member)
    w.removed = UserFactory(username="removed")
    add_member(w.org, w.removed)
    make_team(w.org, w.org_owner, name="former", members=[w.removed])
    TeamProjectRole.objects.create(team=w.org.teams.get(name="former"), project=w.secret, role="Maintainer")
    w.stranger = UserFactory(username="stranger")
    w.staff = UserFactory(username="staffer", is_staff=True)

    _, w.collaborator_token = make_token(w.collaborator, projects=["secret"])
    _, w.collaborator_wide_token = make_token(w.collaborator)
    _, w.stranger_token = make_token(w.stranger)
    revoked, w.revoked_token = make_token(w.collaborator, projects=["secret"])
    token_revoke(token=revoked)
    _, w.expired_token = make_token(w.collaborator, projects=["secret"], expires=timezone.now() + timedelta(days=1))
    w.collaborator.api_tokens.filter(expires__isnull=False).update(expires=timezone.now() - timedelta(minutes=1))
    # Removed after the fact: once a team member with a role, now gone from the organisation.
    OrganizationRole.objects.filter(organization=w.org, user=w.removed).delete()
    return w


def machine_paths(w, name):
    """Every machine read path of project `name` (the secret one's file paths stand for its files)."""
    file = w.secret_file if name == "secret" else None
    paths = [
        (f"/simple/{name}/", {}),
        (f"/simple/{name}/", {"HTTP_ACCEPT": JSON}),
        (f"/pypi/{name}/json", {}),
        (f"/pypi/{name}/1.0/json", {}),
        (f"/legacy/+simple/{name}/", {}),
    ]
    if file is not None:
        paths += [(f"/files/{file.path}", {}), (f"/files/{file.path}.metadata", {})]
        paths += [(f"/integrity/{name}/1.0/{file.filename}/provenance", {})]
    return paths


def page_paths(name):
    return [f"/project/{name}/", f"/project/{name}/1.0/"]


LISTINGS = ["/simple/", "/search/?q=secret", "/user/owner/", "/org/acme/", "/", "/search/?q=internal"]


def visitor(w, kind):
    """(client, extra headers) for a kind of visitor."""
    client = Client()
    headers = {}
    people = {
        "collaborator": w.collaborator,
        "team member": w.team_member,
        "org owner": w.org_owner,
        "org member": w.org_member,
        "removed member": w.removed,
        "stranger": w.stranger,
        "staff": w.staff,
    }
    tokens = {
        "collaborator's read token": w.collaborator_token,
        "collaborator's account-wide token": w.collaborator_wide_token,
        "stranger's token": w.stranger_token,
        "revoked token": w.revoked_token,
        "expired token": w.expired_token,
    }
    if kind in people:
        client.force_login(people[kind])
    elif kind in tokens:
        headers["HTTP_AUTHORIZATION"] = basic_auth_header(tokens[kind])
    return client, headers


READERS = ["collaborator", "team member", "org owner", "staff", "collaborator's read token", "collaborator's account-wide token"]
NOT_READERS = ["anonymous", "stranger", "stranger's token", "org member", "removed member"]
REFUSED_TOKENS = {"revoked token": "revoked", "expired token": "expired"}
TOKEN_KINDS = [k for k in READERS + NOT_READERS if "token" in k]


def same_as_nobody(response, nobody, name="secret", other="nosuchproject"):
    """`response` is exactly the answer a name nobody has gets: status, body (name aside), headers."""
    assert response.status_code == nobody.status_code == 404
    assert response.content.replace(name.encode(), other.encode()) == nobody.content
    ignored = {"date", "content-length"}
    ours = {k.lower(): v.replace(name, other) for k, v in response.headers.items() if k.lower() not in ignored}
    theirs = {k.lower(): v for k, v in nobody.headers.items() if k.lower() not in ignored}
    assert ours == theirs


def unmasked(html):
    """A page without its CSRF token (masked afresh on every answer)."""
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)


def nobody_answer(client, path, headers, w):
    if path.startswith("/files/"):
        fake = w.secret_file.path.replace(w.secret_file.path.split("/")[0], "zz", 1)
        return client.get(f"/files/{fake}" + (".metadata" if path.endswith(".metadata") else ""), **headers)
    return client.get(path.replace("secret", "nosuchproject"), **headers)


# -- a public site with one private project ---------------------------------------------------------


@pytest.mark.parametrize("kind", READERS)
def test_readers_read_the_private_project_on_every_path(world, kind):
    client, headers = visitor(world, kind)
    for path, extra in machine_paths(world, "secret"):
        response = client.get(path, **headers, **extra)
        assert response.status_code == 200, (kind, path, response.content[:200])
        assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"], path
        assert "Surrogate-Key" not in response and "xkey" not in response
    file = client.get(f"/files/{world.secret_file.path}", **headers)
    assert hashlib.sha256(b"".join(file.streaming_content)).hexdigest() == world.secret_file.sha256_digest
    assert b"secret" in client.get("/simple/", **headers).content
    if "token" not in kind:
        for path in page_paths("secret"):
            page = client.get(path)
            assert page.status_code == 200, (kind, path)
            assert "Private" in page.content.decode()
        for path in LISTINGS[1:4]:
            assert b"/project/secret/" in client.get(path).content, (kind, path)


@pytest.mark.parametrize("kind", NOT_READERS)
def test_to_anyone_else_the_private_project_does_not_exist(world, kind):
    client, headers = visitor(world, kind)
    for path, extra in machine_paths(world, "secret"):
        response = client.get(path, **headers, **extra)
        same_as_nobody(response, nobody_answer(client, path, {**headers, **extra}, world))
    for path in page_paths("secret"):
        page = client.get(path)
        assert page.status_code == 404
        nobody = client.get(path.replace("secret", "nosuchproject"))
        assert unmasked(page.content).replace(b"secret", b"nosuchproject") == unmasked(nobody.content)
    for path in LISTINGS:
        response = client.get(path, **headers) if path == "/simple/" else client.get(path)
        assert response.status_code == 200, path
        assert b"/secret/" not in response.content, (kind, path)
        assert b">secret<" not in response.content, (kind, path)
        assert b"internal tooling" not in response.content
    # The public project stays readable.
    assert client.get("/simple/open/", **headers).status_code == 200
    assert client.get("/project/open/").status_code == 200


def test_the_home_page_counts_only_what_the_reader_may_read(world):
    anonymous = Client().get("/").context["counts"]
    client, _ = visitor(world, "collaborator")
    member = client.get("/").context["counts"]
    assert anonymous == {"projects": 1, "releases": 1, "files": 1}
    assert member == {"projects": 2, "releases": 2, "files": 2}


def test_organisation_members_read_all_its_projects_when_it_says_so(world):
    client, _ = visitor(world, "org member")
    assert client.get("/simple/secret/").status_code == 404
    world.org.members_read_all = True
    world.org.save()
    assert client.get("/simple/secret/").status_code == 200
    assert client.get("/project/secret/").status_code == 200


@pytest.mark.parametrize("kind, cause", REFUSED_TOKENS.items())
def test_revoked_and_expired_tokens_are_refused_with_their_cause(world, kind, cause):
    client, headers = visitor(world, kind)
    for path in ("/simple/secret/", "/simple/open/", "/simple/nosuchproject/", "/simple/"):
        response = client.get(path, **headers)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Basic realm="indexsite"'
        assert response.content.decode() == (
            f"Unauthorized: the API token has {'been revoked' if cause == 'revoked' else 'expired'}."
            " Create a new token on your account page.\n"
        )


def test_unknown_tokens_and_passwords_are_refused_without_saying_what_exists(world):
    client = Client()
    unknown = client.get("/simple/secret/", HTTP_AUTHORIZATION=basic_auth_header("pypi-0000000000000000_" + "x" * 43))
    assert unknown.status_code == 401
    assert unknown.content == b"Unauthorized: invalid or non-existent authentication information.\n"
    password = client.get("/simple/secret/", HTTP_AUTHORIZATION=basic_auth_header("hunter2", username="owner"))
    assert password.status_code == 401
    assert password.content.decode() == (
        "Unauthorized: Username/Password authentication is no longer supported."
        " Migrate to API Tokens or Trusted Publishers instead.\n"
    )
    # The same words whatever the path names.
    assert client.get("/simple/nosuchproject/", HTTP_AUTHORIZATION=basic_auth_header("nope")).content == unknown.content


def test_refused_credentials_are_recorded_once_a_window_and_limited_per_ip(world, settings):
    from accounts.models import SecurityEvent

    client = Client()
    header = basic_auth_header("pypi-0000000000000000_" + "x" * 43)
    answers = [client.get("/simple/open/", HTTP_AUTHORIZATION=header).status_code for _ in range(25)]
    assert answers[:20] == [401] * 20
    assert answers[20:] == [429] * 5
    assert SecurityEvent.objects.filter(tag="account:api_token:invalid_use").count() == 1


def test_a_read_token_scoped_to_one_project_reads_no_other_private_one(world):
    other = ReleaseFactory(project__name="other-secret", version="1.0").project
    other.private = True
    other.save()
    ProjectRole.objects.create(project=other, user=world.collaborator, role=ProjectRole.Role.OWNER)
    client, headers = visitor(world, "collaborator's read token")
    assert client.get("/simple/other-secret/", **headers).status_code == 404
    assert b"other-secret" not in client.get("/simple/", **headers).content
    wide, wide_headers = visitor(world, "collaborator's account-wide token")
    assert wide.get("/simple/other-secret/", **wide_headers).status_code == 200


def test_an_organisation_token_reads_its_organisations_private_projects(world):
    from tokens.organization import organization_token_create

    _, raw = organization_token_create(actor=world.org_owner, organization=world.org, name="ci")
    client = Client()
    assert client.get("/simple/secret/", HTTP_AUTHORIZATION=basic_auth_header(raw)).status_code == 200
    mine = ReleaseFactory(project__name="someone-elses", version="1.0").project
    mine.private = True
    mine.save()
    assert client.get("/simple/someone-elses/", HTTP_AUTHORIZATION=basic_auth_header(raw)).status_code == 404


def test_bearer_tokens_read_too(world):
    response = Client().get("/simple/secret/", HTTP_AUTHORIZATION=f"Bearer {world.collaborator_token}")
    assert response.status_code == 200


def test_anonymous_answers_on_a_public_site_keep_their_headers(world):
    response = Client().get("/simple/open/")
    assert response["Cache-Control"] == "max-age=60, public"
    assert response["Vary"] == "Accept"
    assert response["Surrogate-Key"] == "project/open"


def test_etags_of_a_private_page_do_not_answer_strangers(world):
    client, headers = visitor(world, "collaborator's read token")
    etag = client.get("/simple/secret/", **headers)["ETag"]
    stranger, stranger_headers = visitor(world, "stranger's token")
    response = stranger.get("/simple/secret/", HTTP_IF_NONE_MATCH=etag, **stranger_headers)
    assert response.status_code == 404
    assert Client().get("/simple/secret/", HTTP_IF_NONE_MATCH="*").status_code == 404


def test_a_private_projects_serial_does_not_reach_the_public_root_index(world):
    world.secret.last_serial = 999
    world.secret.save()
    world.open.last_serial = 5
    world.open.save()
    assert Client().get("/simple/")["X-PyPI-Last-Serial"] == "5"
    client, headers = visitor(world, "collaborator's read token")
    assert client.get("/simple/", **headers)["X-PyPI-Last-Serial"] == "999"


def test_losing_access_takes_effect_on_the_next_request(world):
    client, headers = visitor(world, "collaborator's read token")
    session, _ = visitor(world, "team member")
    assert client.get("/simple/secret/", **headers).status_code == 200
    assert session.get("/simple/secret/").status_code == 200
    ProjectRole.objects.filter(user=world.collaborator, project=world.secret).delete()
    assert client.get("/simple/secret/", **headers).status_code == 404
    TeamProjectRole.objects.filter(project=world.secret, team=world.team).delete()
    assert session.get("/simple/secret/").status_code == 404
    assert session.get("/project/secret/").status_code == 404


# -- PRIVATE_INDEX on ---------------------------------------------------------------------------------


@pytest.fixture
def private_index(settings, world):
    settings.PRIVATE_INDEX = True
    return world


def test_private_index_answers_anonymous_machines_401_on_every_read_path(private_index):
    client = Client()
    for name in ("open", "secret", "nosuchproject"):
        for path, extra in machine_paths(private_index, name):
            response = client.get(path, **extra)
            assert response.status_code == 401, path
            assert response["WWW-Authenticate"] == 'Basic realm="indexsite"'
            assert response.content == (
                b"Unauthorized: this index needs credentials."
                b" Use __token__ as the username and a read token as the password.\n"
            )
    assert client.get("/simple/").status_code == 401
    assert client.get(f"/files/{private_index.open_file.path}").status_code == 401


def test_private_index_sends_people_who_are_not_signed_in_to_the_login_page(private_index):
    client = Client()
    for path in ["/", "/project/open/", "/project/open/2.0/", "/user/owner/", "/org/acme/", "/search/?q=open"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/account/login/?next="), path
    assert client.get("/account/login/").status_code == 200
    assert client.get("/help/").status_code == 200


@pytest.mark.parametrize("kind", ["stranger", "stranger's token", "org member"])
def test_private_index_lets_any_reader_read_public_projects_but_not_private_ones(private_index, kind):
    client, headers = visitor(private_index, kind)
    assert client.get("/simple/open/", **headers).status_code == 200
    assert client.get(f"/files/{private_index.open_file.path}", **headers).status_code == 200
    assert client.get("/simple/secret/", **headers).status_code == 404
    root = client.get("/simple/", **headers)
    assert b"open" in root.content and b"secret" not in root.content
    if "token" not in kind:
        assert client.get("/project/open/").status_code == 200
        assert client.get("/project/secret/").status_code == 404


def test_private_index_token_scoped_to_one_project_reads_only_that_project(private_index):
    client, headers = visitor(private_index, "collaborator's read token")
    assert client.get("/simple/secret/", **headers).status_code == 200
    assert client.get("/simple/open/", **headers).status_code == 404
    assert client.get("/simple/", **headers).content.count(b"<a ") == 1


def test_private_index_answers_are_never_public(private_index):
    client, headers = visitor(private_index, "stranger's token")
    for path in ("/simple/open/", "/simple/", "/pypi/open/json", f"/files/{private_index.open_file.path}"):
        response = client.get(path, **headers)
        assert response["Cache-Control"].startswith("private"), path
        assert "Authorization" in response["Vary"]


def test_a_file_of_a_private_project_is_the_same_404_as_no_file(world):
    anonymous = Client()
    hidden = anonymous.get(f"/files/{world.secret_file.path}")
    nothing = anonymous.get("/files/ab/cd/" + hashlib.sha256(b"x").hexdigest() + "/secret-1.0-py3-none-any.whl")
    assert hidden.status_code == nothing.status_code == 404
    assert hidden.content == nothing.content == b"Not Found: no such file.\n"


def test_the_public_root_index_keeps_its_etag_when_a_private_project_appears(world):
    from packages.index.rendering import project_changed

    before = Client().get("/simple/")
    hidden = ReleaseFactory(project__name="hidden-new", version="1.0").project
    hidden.private = True
    hidden.save()
    project_changed(name="hidden-new", index=True)
    after = Client().get("/simple/")
    assert after.content == before.content
    assert after["ETag"] == before["ETag"]
    assert Client().get("/simple/", HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 304


def test_uploading_to_a_private_projects_name_is_refused_like_any_taken_name(world, uploader, auth, media_root):
    from tests.packages.distributions import make_wheel
    from tests.packages.test_upload_refusals import post

    client = Client()
    anonymous = post(client, make_wheel("secret", "2.0"), "")
    stranger_private = post(client, make_wheel("secret", "2.0"), auth)
    stranger_public = post(client, make_wheel("open", "3.0"), auth)
    assert anonymous.status_code == 403
    assert b"secret" not in anonymous.content
    assert stranger_private.status_code == stranger_public.status_code == 403
    assert stranger_private.content.replace(b"secret", b"open") == stranger_public.content
    assert f"The user '{uploader.username}' isn't allowed to upload to project 'secret'.".encode() in (
        stranger_private.content
    )


def test_a_session_signed_out_everywhere_reads_nothing_on_machine_paths_either(world):
    from accounts.models import AccountSession

    client, _ = visitor(world, "collaborator")
    assert client.get("/simple/secret/").status_code == 200
    AccountSession.objects.filter(user=world.collaborator).delete()  # what "sign out everywhere" does
    assert client.get("/simple/secret/").status_code == 404
