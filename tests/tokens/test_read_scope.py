"""What a token may do: "Read (install)", "Upload" or both, chosen on the token pages and kept through rotation."""

import re

import pytest
from django.conf import settings
from django.core import mail

from tokens.events import EventTag
from accounts.models import SecurityEvent
from tests.organizations.factories import make_organization
from tokens.models import APIToken
from tokens.errors import TokenError
from tokens.services import token_authenticate, token_create, token_rotate

from .factories import make_token

pytestmark = pytest.mark.django_db

URL = "/manage/account/token/"
TOKEN_RE = re.compile(re.escape(settings.API_TOKEN_PREFIX) + r"[0-9a-f]{16}_[A-Za-z0-9_-]{43}")
NO_PERMISSION = "Choose what the token may do: read (install), upload, or both."


def create(client, url=URL, **data):
    form = {"name": "install job", "scope": "account", "expiry": "90", **data}
    return client.post(url, form, follow=True)


def shown_token(response):
    (raw,) = set(TOKEN_RE.findall(response.content.decode()))
    return token_authenticate(raw=raw), raw


def test_the_form_offers_read_and_upload_with_upload_checked(two_factor_client):
    page = two_factor_client.get(URL).content.decode()
    assert re.search(r'<input type="checkbox" name="permissions" value="read"(?![^>]*checked)[^>]*>', page)
    assert re.search(r'<input type="checkbox" name="permissions" value="upload"[^>]*checked', page)
    assert "Read (install)" in page and "may also read the projects it may upload to" in page
    assert "--skip-existing" in page


@pytest.mark.parametrize(
    "permissions, can_read, can_upload, words",
    [
        (["read"], True, False, "Read (install)"),
        (["upload"], False, True, "Upload"),
        (["read", "upload"], True, True, "Read (install) and upload"),
    ],
)
def test_a_token_may_read_upload_or_both(
    two_factor_client, two_factor_user, django_capture_on_commit_callbacks, permissions, can_read, can_upload, words
):
    with django_capture_on_commit_callbacks(execute=True):
        response = create(two_factor_client, permissions=permissions)
    token, raw = shown_token(response)
    assert (token.can_read, token.can_upload) == (can_read, can_upload)
    shown = response.content.decode()
    assert f"<dt>May</dt><dd>{words}</dd>" in shown
    # The page shows how to use what the token may do, and only that.
    assert ("twine upload" in shown) == can_upload
    assert ("pip install --index-url http://__token__:" in shown) == can_read
    listing = two_factor_client.get(URL).content.decode()
    assert f"<td data-label=\"May\">{words}</td>" in listing
    # The event says what it may do, never the secret.
    event = SecurityEvent.objects.get(tag=EventTag.ACCOUNT_API_TOKEN_ADDED, user=two_factor_user)
    assert event.details["permissions"] == permissions
    assert raw.split("_", 1)[1] not in str(event.details)
    assert f"May:        {words}" in mail.outbox[-1].body


def test_a_token_that_may_do_nothing_is_refused_clearly(two_factor_client):
    response = two_factor_client.post(URL, {"name": "nothing", "scope": "account", "expiry": "90"})
    assert response.status_code == 400
    assert NO_PERMISSION in response.content.decode()
    assert not APIToken.objects.exists()


def test_the_service_refuses_a_token_that_may_do_nothing(user):
    with pytest.raises(TokenError, match=re.escape(NO_PERMISSION)):
        token_create(user=user, name="nothing", can_read=False, can_upload=False)
    assert not APIToken.objects.exists()


def test_a_read_token_is_scoped_like_an_upload_token(user):
    token, _ = make_token(user, projects=["alpha"], can_read=True, can_upload=False)
    assert token.scope_allows_read("alpha") and not token.scope_allows_read("beta")
    upload_only, _ = make_token(user, projects=["alpha"])
    assert upload_only.scope_allows_read("alpha")  # an uploader reads what it may upload to


@pytest.mark.parametrize("can_read, can_upload", [(True, False), (True, True), (False, True)])
def test_rotation_keeps_what_the_token_may_do(user, can_read, can_upload):
    token, _ = make_token(user, projects=["alpha"], can_read=can_read, can_upload=can_upload)
    new, _ = token_rotate(token=token)
    assert (new.can_read, new.can_upload, new.projects) == (can_read, can_upload, ["alpha"])
    event = SecurityEvent.objects.get(tag=EventTag.ACCOUNT_API_TOKEN_ROTATED)
    assert event.details["permissions"] == new.permissions


def test_rotating_through_the_page_keeps_a_read_token_a_read_token(two_factor_client, two_factor_user):
    token, _ = make_token(two_factor_user, name="ci", can_read=True, can_upload=False)
    confirm = two_factor_client.get(f"{URL}{token.identifier}/rotate/").content.decode()
    assert "<dt>May</dt><dd>Read (install)</dd>" in confirm and "same name, scope, permissions and lifetime" in confirm
    response = two_factor_client.post(f"{URL}{token.identifier}/rotate/", follow=True)
    new, _ = shown_token(response)
    assert (new.can_read, new.can_upload) == (True, False)
    assert "<dt>May</dt><dd>Read (install)</dd>" in response.content.decode()


def test_organisation_read_token_from_its_page(two_factor_client, two_factor_user):
    make_organization(two_factor_user, name="acme")
    url = "/manage/organization/acme/tokens/"
    assert 'name="permissions" value="upload"' in two_factor_client.get(url).content.decode()
    response = create(two_factor_client, url=url, permissions=["read"])
    token, _ = shown_token(response)
    assert token.organization.name == "acme" and (token.can_read, token.can_upload) == (True, False)
    assert "<td data-label=\"May\">Read (install)</td>" in two_factor_client.get(url).content.decode()
    event = SecurityEvent.objects.get(tag=EventTag.ORGANIZATION_API_TOKEN_ADDED)
    assert event.details["permissions"] == ["read"]
    new, _ = token_rotate(token=token)
    assert (new.can_read, new.can_upload) == (True, False)

    refused = two_factor_client.post(url, {"name": "nothing", "scope": "account", "expiry": "90"})
    assert refused.status_code == 400 and NO_PERMISSION in refused.content.decode()


def test_admin_shows_and_filters_by_what_tokens_may_do(two_factor_client, two_factor_user, user):
    two_factor_user.is_staff = two_factor_user.is_superuser = True
    two_factor_user.save()
    reader, _ = make_token(user, name="reader", can_read=True, can_upload=False)
    uploader, _ = make_token(user, name="uploader")
    listing = two_factor_client.get("/admin/tokens/apitoken/").content.decode()
    assert "Read (install)" in listing and "what the token may do" in listing
    read_only = two_factor_client.get("/admin/tokens/apitoken/?may=read-only").content.decode()
    assert reader.identifier in read_only and uploader.identifier not in read_only
    upload = two_factor_client.get("/admin/tokens/apitoken/?may=upload").content.decode()
    assert uploader.identifier in upload and reader.identifier not in upload
    detail = two_factor_client.get(f"/admin/tokens/apitoken/{reader.pk}/change/").content.decode()
    assert "Can read" in detail and "Can upload" in detail
