import pytest

from tokens.events import EventTag
from accounts.models import SecurityEvent
from tokens.models import APIToken

from .factories import make_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(two_factor_user, two_factor_client):
    """Staff who logged in with a second factor (the admin site requires one)."""
    two_factor_user.is_staff = two_factor_user.is_superuser = True
    two_factor_user.save()
    return two_factor_client


def test_list_and_detail_never_show_a_secret(staff_client, user):
    token, raw = make_token(user, name="ci", projects=["demo"])
    secret_part = raw.split("_", 1)[1]
    listing = staff_client.get("/admin/tokens/apitoken/")
    assert listing.status_code == 200
    assert token.identifier in listing.content.decode() and user.username in listing.content.decode()
    detail = staff_client.get(f"/admin/tokens/apitoken/{token.pk}/change/")
    assert detail.status_code == 200
    for page in (listing, detail):
        text = page.content.decode()
        assert secret_part not in text and token.digest not in text


def test_revoke_action(staff_client, user):
    token, _ = make_token(user)
    response = staff_client.post(
        "/admin/tokens/apitoken/", {"action": "revoke_tokens", "_selected_action": [token.pk]}, follow=True
    )
    assert "1 token revoked" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked and token.revoked_reason == APIToken.RevokeReason.STAFF
    event = SecurityEvent.objects.get(tag=EventTag.ACCOUNT_API_TOKEN_REMOVED, user=user)
    assert event.details["reason"] == "staff" and event.details["staff"]


def test_find_owner_by_pasting_a_token(staff_client, user):
    token, raw = make_token(user, projects=["alpha", "beta"])
    page = staff_client.get("/admin/tokens/apitoken/lookup/")
    assert page.status_code == 200
    found = staff_client.post("/admin/tokens/apitoken/lookup/", {"token": raw}).content.decode()
    assert user.username in found and "alpha, beta" in found and token.identifier in found
    assert raw not in found  # the pasted token is not echoed
    missing = staff_client.post("/admin/tokens/apitoken/lookup/", {"token": raw[:-1] + ("x" if raw[-1] != "x" else "y")}).content.decode()
    assert "No token matches" in missing


def test_non_staff_cannot_use_the_lookup(client, user):
    _, raw = make_token(user)
    client.force_login(user)
    response = client.post("/admin/tokens/apitoken/lookup/", {"token": raw})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert b"No token matches" not in response.content
