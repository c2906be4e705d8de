"""The token pages: policy (verified email, 2FA, re-authentication), shown-once display, list, revoke, rotate."""

import re
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from tokens.events import EventTag
from accounts.models import SecurityEvent
from tests.accounts.factories import UserFactory
from tests.packages.factories import ProjectFactory, ProjectRoleFactory
from tokens.errors import InvalidToken
from tokens.models import APIToken
from tokens.services import token_authenticate

from .factories import make_token

pytestmark = pytest.mark.django_db

URL = "/manage/account/token/"
TOKEN_RE = re.compile(re.escape(settings.API_TOKEN_PREFIX) + r"[0-9a-f]{16}_[A-Za-z0-9_-]{43}")


def create(client, follow=True, **data):
    form = {"name": "release job", "permissions": ["upload"], "scope": "account", "expiry": "90", **data}
    return client.post(URL, form, follow=follow)


def shown_tokens(response):
    return set(TOKEN_RE.findall(response.content.decode()))


def test_create_shows_the_token_once_with_snippets(two_factor_client, two_factor_user, settings):
    settings.SITE_URL = "https://index.example.org"
    response = create(two_factor_client)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    (raw,) = shown_tokens(response)
    token = token_authenticate(raw=raw)
    assert token.owner == two_factor_user and token.is_account_wide
    text = response.content.decode()
    assert "shown only once" in text
    assert "username = __token__" in text and "repository = https://index.example.org/legacy/" in text
    assert "twine upload --repository-url https://index.example.org/legacy/" in text
    assert "uv publish --publish-url https://index.example.org/legacy/" in text
    assert "Entire account" in text

    # Nothing afterwards shows it again, and the session does not hold it.
    for url in (URL, "/manage/account/", f"{URL}{token.identifier}/revoke/", f"{URL}{token.identifier}/rotate/"):
        later = two_factor_client.get(url)
        assert later.status_code == 200, url
        assert raw not in later.content.decode() and not shown_tokens(later), url
    session = two_factor_client.session
    assert all(raw not in str(value) for value in session.values())
    listing = two_factor_client.get(URL).content.decode()
    assert token.identifier in listing and "release job" in listing and "Never" in listing  # last used


def test_create_scoped_to_own_and_future_projects(two_factor_client, two_factor_user):
    ProjectRoleFactory(user=two_factor_user, project=ProjectFactory(name="My_Lib"))
    form = two_factor_client.get(URL).content.decode()
    assert 'value="my-lib"' in form  # the user's project is offered
    response = create(two_factor_client, scope="projects", projects=["my-lib"], new_projects="Brand.New, other_one")
    (raw,) = shown_tokens(response)
    token = token_authenticate(raw=raw)
    assert token.projects == ["brand-new", "my-lib", "other-one"]
    assert token.scope_allows("brand-new") and not token.scope_allows("elsewhere")
    tags = SecurityEvent.objects.filter(user=two_factor_user).values_list("tag", "project_name")
    assert (EventTag.PROJECT_API_TOKEN_ADDED, "my-lib") in tags
    assert (EventTag.PROJECT_API_TOKEN_ADDED, "brand-new") in tags


@pytest.mark.parametrize(
    "data, field_error",
    [
        ({"name": ""}, "This field is required."),
        ({"scope": "projects"}, "Choose at least one project"),
        ({"scope": "projects", "new_projects": "bad name!"}, "is not a valid project name"),
        ({"scope": "projects", "new_projects": "someone-elses"}, "you have no role on them: someone-elses"),
        ({"scope": "projects", "projects": ["not-mine"]}, "Select a valid choice"),
        ({"expiry": "date"}, "Choose the expiry date."),
        ({"expiry": "date", "expires_on": "2000-01-01"}, "today or later"),
        ({"expiry": "date", "expires_on": "31/31/2031"}, "Enter a valid date."),
        ({"expiry": "forever"}, "Select a valid choice"),
    ],
)
def test_create_refuses_bad_input_clearly(two_factor_client, data, field_error):
    ProjectFactory(name="someone-elses")
    response = create(two_factor_client, **data)
    assert response.status_code == 400
    assert field_error in response.content.decode()
    assert not APIToken.objects.exists()


def test_duplicate_name_is_refused(two_factor_client, two_factor_user):
    make_token(two_factor_user, name="deploy")
    response = create(two_factor_client, name="deploy")
    assert response.status_code == 400
    assert "You already have a token named" in response.content.decode()


@pytest.mark.parametrize("expiry, days", [("30", 30), ("90", 90), ("365", 365)])
def test_expiry_choices(two_factor_client, expiry, days):
    (raw,) = shown_tokens(create(two_factor_client, expiry=expiry))
    token = token_authenticate(raw=raw)
    assert timedelta(days=days - 1) < token.expires - timezone.now() <= timedelta(days=days)


def test_expiry_date_and_never(two_factor_client):
    day = (timezone.now() + timedelta(days=10)).date()
    (raw,) = shown_tokens(create(two_factor_client, expiry="date", expires_on=day.isoformat()))
    assert token_authenticate(raw=raw).expires.date() == day + timedelta(days=1)
    (raw,) = shown_tokens(create(two_factor_client, name="forever", expiry="never"))
    assert token_authenticate(raw=raw).expires is None


def test_cannot_create_without_two_factor(logged_in_client):
    response = create(logged_in_client, follow=False)
    assert response.status_code == 302 and response["Location"].startswith("/manage/account/two-factor/")
    assert not APIToken.objects.exists()


def test_cannot_create_without_recent_reauthentication(two_factor_client, two_factor_user, password):
    session = two_factor_client.session
    session["auth_time"] = int(time.time()) - settings.REAUTH_MAX_AGE - 60
    session.save()
    response = create(two_factor_client)
    assert not APIToken.objects.exists()
    assert not shown_tokens(response)
    assert "password" in response.content.decode().lower()
    # After confirming the password the user may create the token.
    two_factor_client.post(URL, {"_reauthenticate": "1", "password": password})
    assert shown_tokens(create(two_factor_client))


def test_unverified_email_is_sent_to_verify_first(client, two_factor_user, two_factor_client):
    two_factor_user.emails.update(verified=False)
    response = two_factor_client.get(URL)
    assert response.status_code == 302 and response["Location"] == "/manage/account/"


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/account/login/")


def test_revoke_asks_for_confirmation_then_revokes(two_factor_client, two_factor_user):
    token, raw = make_token(two_factor_user, name="old")
    page = two_factor_client.get(f"{URL}{token.identifier}/revoke/")
    assert page.status_code == 200 and "Revoke the token “old”?" in page.content.decode()
    token.refresh_from_db()
    assert token.revoked is None  # GET changes nothing
    response = two_factor_client.post(f"{URL}{token.identifier}/revoke/", follow=True)
    assert "revoked" in response.content.decode()
    with pytest.raises(InvalidToken):
        token_authenticate(raw=raw)
    assert token.identifier not in two_factor_client.get(URL).content.decode()


def test_rotate_shows_new_secret_and_kills_old(two_factor_client, two_factor_user):
    token, raw = make_token(two_factor_user, name="ci", projects=["demo"])
    assert "Rotate the token “ci”?" in two_factor_client.get(f"{URL}{token.identifier}/rotate/").content.decode()
    response = two_factor_client.post(f"{URL}{token.identifier}/rotate/", follow=True)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    (new_raw,) = shown_tokens(response)
    with pytest.raises(InvalidToken):
        token_authenticate(raw=raw)
    new = token_authenticate(raw=new_raw)
    assert new.name == "ci" and new.projects == ["demo"]


def test_other_users_tokens_are_out_of_reach(two_factor_client):
    theirs, raw = make_token(UserFactory())
    for action in ("revoke", "rotate"):
        assert two_factor_client.post(f"{URL}{theirs.identifier}/{action}/").status_code == 404
    assert token_authenticate(raw=raw) == theirs


def test_account_page_links_to_tokens(two_factor_client):
    assert URL in two_factor_client.get("/manage/account/").content.decode()


def test_create_redirects_and_a_reload_never_shows_the_secret_again(two_factor_client, two_factor_user):
    response = create(two_factor_client, follow=False)
    assert response.status_code == 302
    shown_url = response["Location"]
    assert shown_url.startswith("/manage/account/token/new/?slot=")
    page = two_factor_client.get(shown_url)
    (raw,) = shown_tokens(page)
    assert raw not in shown_url and "no-store" in page["Cache-Control"]
    assert all(raw not in str(value) for value in two_factor_client.session.values())

    # A reload (the browser's F5 on the shown-once page) neither re-submits nor shows it.
    again = two_factor_client.get(shown_url, follow=True)
    assert again.status_code == 200 and raw not in again.content.decode() and not shown_tokens(again)
    assert "already shown once" in again.content.decode()
    assert APIToken.objects.filter(owner=two_factor_user).count() == 1


def test_someone_else_cannot_read_a_display_slot(two_factor_client, two_factor_user):
    from django.test import Client

    from tests.accounts.factories import PASSWORD
    from tests.mfa.factories import TOTPDeviceFactory, totp_code

    shown_url = create(two_factor_client, follow=False)["Location"]
    other = UserFactory()
    device = TOTPDeviceFactory(user=other)
    stranger = Client()
    stranger.post("/account/login/", {"username": other.username, "password": PASSWORD})
    stranger.post("/account/two-factor/", {"method": "totp", "totp-code": totp_code(device)})
    stranger_page = stranger.get(shown_url, follow=True)
    assert stranger_page.status_code == 200 and not shown_tokens(stranger_page)
    # The owner still gets it once: the stranger's visit did not use it up.
    assert len(shown_tokens(two_factor_client.get(shown_url))) == 1


def test_the_display_slot_never_holds_the_raw_token_in_the_cache(two_factor_client, two_factor_user):
    from django.core.cache import cache

    shown_url = create(two_factor_client, follow=False)["Location"]
    slot = shown_url.split("slot=", 1)[1]
    # What the cache (a database table by default) holds for the slot, as anyone reading it would see it.
    content = cache.get(f"tokens:display:{slot}")

    (raw,) = shown_tokens(two_factor_client.get(shown_url))

    assert content is not None and raw not in repr(content)
    assert raw.split("_")[-1] not in repr(content)  # not the secret part either


def test_the_slot_opens_only_in_the_browser_that_made_the_token(two_factor_client, two_factor_user):
    response = create(two_factor_client, follow=False)
    shown_url = response["Location"]
    cookie = next(name for name in response.cookies if name.startswith("token-display-"))
    morsel = response.cookies[cookie]
    assert morsel["httponly"] and morsel["samesite"] == "Strict" and morsel["path"] == "/manage/account/token/new/"

    # The same account in a session without the cookie (say, a stolen session cookie) sees nothing.
    two_factor_client.cookies.pop(cookie)
    page = two_factor_client.get(shown_url, follow=True)
    assert not shown_tokens(page) and "already shown once" in page.content.decode()
