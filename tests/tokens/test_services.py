from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.utils import timezone

from tokens.events import EventTag
from accounts.models import SecurityEvent
from tokens import selectors, services
from tokens.errors import ExpiredToken, InvalidToken, TokenError
from tokens.models import APIToken

from .factories import APITokenFactory, make_token

pytestmark = pytest.mark.django_db

INVALID = "Invalid or non-existent authentication information."


def tags(user):
    return list(SecurityEvent.objects.filter(user=user).order_by("id").values_list("tag", flat=True))


def test_token_string_has_prefix_identifier_and_long_secret(user):
    token, raw = make_token(user)
    assert raw.startswith(settings.API_TOKEN_PREFIX + token.identifier + "_")
    secret_part = raw[len(settings.API_TOKEN_PREFIX) + len(token.identifier) + 1 :]
    assert len(secret_part) >= 43  # 32 random bytes in URL-safe base64
    assert services.token_authenticate(raw=raw) == token


def test_no_database_column_holds_the_secret(user):
    token, raw = make_token(user, projects=["demo"])
    secret_part = raw[len(settings.API_TOKEN_PREFIX) + len(token.identifier) + 1 :]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {APIToken._meta.db_table}")
        columns = [c[0] for c in cursor.description]
        rows = cursor.fetchall()
    assert len(rows) == 1
    for column, value in zip(columns, rows[0]):
        text = str(value)
        assert secret_part not in text, column
        assert secret_part[:16] not in text, column
        assert raw not in text, column
    # Nor does any other table (events, for instance).
    for table in connection.introspection.table_names():
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT * FROM "{table}"')
            assert all(secret_part not in str(row) for row in cursor.fetchall()), table


def test_digest_is_keyed_by_the_server_secret(user, settings):
    token, raw = make_token(user)
    settings.SECRET_KEY = "another-key-" + "y" * 40
    with pytest.raises(InvalidToken):
        services.token_authenticate(raw=raw)


def test_secret_key_fallback_upgrades_the_digest(user, settings):
    old_key = settings.SECRET_KEY
    token, raw = make_token(user)
    settings.SECRET_KEY = "a-brand-new-key-" + "z" * 40
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert services.token_authenticate(raw=raw) == token
    settings.SECRET_KEY_FALLBACKS = []
    assert services.token_authenticate(raw=raw) == token  # digest was re-made under the new key


def test_create_records_events_and_emails_owner(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        token, raw = make_token(user, name="CI", projects=["Demo_Pkg", "other.pkg"])
    assert token.projects == ["demo-pkg", "other-pkg"]
    assert tags(user) == [
        EventTag.ACCOUNT_API_TOKEN_ADDED,
        EventTag.PROJECT_API_TOKEN_ADDED,
        EventTag.PROJECT_API_TOKEN_ADDED,
    ]
    assert set(SecurityEvent.objects.filter(tag=EventTag.PROJECT_API_TOKEN_ADDED).values_list("project_name", flat=True)) == {
        "demo-pkg",
        "other-pkg",
    }
    assert len(mail.outbox) == 1
    assert "CI" in mail.outbox[0].subject and token.identifier in mail.outbox[0].body
    assert raw not in mail.outbox[0].body


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"name": ""}, "Give the token a name."),
        ({"name": "x" * 101}, "at most 100 characters"),
        ({"name": "ok", "projects": []}, "at least one project"),
        ({"name": "ok", "projects": ["not a name!"]}, "is not a valid project name"),
        ({"name": "ok", "expires": timezone.now() - timedelta(days=1)}, "must be in the future"),
    ],
)
def test_create_refuses_bad_input(user, kwargs, message):
    with pytest.raises(TokenError, match=message):
        services.token_create(user=user, **kwargs)
    assert not APIToken.objects.exists()


def test_name_unique_per_user_but_reusable_after_revoke(user):
    token, _ = make_token(user, name="deploy")
    with pytest.raises(TokenError, match="already have a token named"):
        make_token(user, name="deploy")
    make_token(name="deploy")  # another user may use the name
    services.token_revoke(token=token)
    make_token(user, name="deploy")


def test_scope_allows():
    wide = APITokenFactory()
    scoped = APITokenFactory(projects=["Alpha", "not-yet-existing"])
    assert wide.is_account_wide and wide.scope_allows("anything")
    assert not scoped.is_account_wide
    assert scoped.scope_allows("alpha") and scoped.scope_allows("not-yet-existing")
    assert not scoped.scope_allows("beta")


def test_revoked_token_is_refused_and_owner_emailed(user, django_capture_on_commit_callbacks):
    token, raw = make_token(user)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.token_revoke(token=token) is True
    assert services.token_revoke(token=token) is False  # idempotent
    with pytest.raises(InvalidToken, match=INVALID):
        services.token_authenticate(raw=raw)
    assert EventTag.ACCOUNT_API_TOKEN_REMOVED in tags(user)
    assert "revoked" in mail.outbox[-1].subject


def test_expired_token_is_refused_and_recorded(user):
    token, raw = make_token(user, expires=timezone.now() + timedelta(days=1))
    APIToken.objects.filter(pk=token.pk).update(expires=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ExpiredToken, match="expired"):
        services.token_authenticate(raw=raw)
    assert tags(user)[-1] == EventTag.ACCOUNT_API_TOKEN_EXPIRED_USE


def test_tampered_foreign_and_malformed_tokens_are_invalid(user):
    token, raw = make_token(user)
    last = raw[-1]
    tampered = raw[:-1] + ("A" if last != "A" else "B")
    foreign = "ghp_" + raw[len(settings.API_TOKEN_PREFIX) :]
    for bad in [tampered, foreign, "", "pypi-", raw + "x", raw[:-1], "pypi-" + "0" * 16 + "_" + "a" * 43]:
        with pytest.raises(InvalidToken, match=INVALID):
            services.token_authenticate(raw=bad)


def test_tampered_identifier_is_invalid(user):
    token, raw = make_token(user)
    other, _ = make_token(user)
    swapped = raw.replace(token.identifier, other.identifier)
    with pytest.raises(InvalidToken):
        services.token_authenticate(raw=swapped)


def test_frozen_owner_token_is_invalid(user):
    _, raw = make_token(user)
    user.is_active = False
    user.save()
    with pytest.raises(InvalidToken):
        services.token_authenticate(raw=raw)


def test_last_used_written_at_most_once_a_minute(user, rf, django_assert_num_queries):
    token, raw = make_token(user)
    request = rf.post("/legacy/", REMOTE_ADDR="192.0.2.7")
    services.token_authenticate(request=request, raw=raw)
    token.refresh_from_db()
    assert token.last_used is not None and token.last_used_ip == "192.0.2.7"
    first = token.last_used
    with django_assert_num_queries(1):  # the lookup only, no write
        services.token_authenticate(request=request, raw=raw)
    APIToken.objects.filter(pk=token.pk).update(last_used=first - timedelta(minutes=2))
    services.token_authenticate(request=request, raw=raw)
    token.refresh_from_db()
    assert token.last_used > first - timedelta(minutes=2)


def test_rotation_invalidates_old_secret_immediately(user, django_capture_on_commit_callbacks):
    token, raw = make_token(user, name="release", projects=["demo"], expires=timezone.now() + timedelta(days=30))
    with django_capture_on_commit_callbacks(execute=True):
        new, new_raw = services.token_rotate(token=token)
    with pytest.raises(InvalidToken):
        services.token_authenticate(raw=raw)
    assert services.token_authenticate(raw=new_raw) == new
    assert (new.name, new.projects, new.account_wide) == ("release", ["demo"], False)
    assert new.identifier != token.identifier
    assert timedelta(days=29) < new.expires - timezone.now() <= timedelta(days=30)
    assert EventTag.ACCOUNT_API_TOKEN_ROTATED in tags(user)
    assert "rotated" in mail.outbox[-1].subject
    with pytest.raises(TokenError):
        services.token_rotate(token=token)


def test_leak_revocation_records_url(user):
    token, raw = make_token(user)
    services.token_revoke(token=token, reason=APIToken.RevokeReason.LEAKED, url="https://example.com/leak")
    event = SecurityEvent.objects.get(tag=EventTag.ACCOUNT_API_TOKEN_REMOVED_LEAK)
    assert event.details["url"] == "https://example.com/leak" and event.user == user


def test_token_find_for_staff(user):
    token, raw = make_token(user)
    assert selectors.token_find(raw) == token
    assert selectors.token_find(raw[:-1] + "?") is None
    services.token_revoke(token=token)
    assert selectors.token_find(raw) == token  # still found, to see who owned it


def test_project_active_tokens_lists_live_tokens_naming_the_project(user):
    scoped, _ = make_token(user, projects=["demo"])
    make_token(user)  # account-wide: not listed
    revoked, _ = make_token(user, projects=["demo"])
    services.token_revoke(token=revoked)
    expired, _ = make_token(user, projects=["demo"], expires=timezone.now() + timedelta(days=1))
    APIToken.objects.filter(pk=expired.pk).update(expires=timezone.now() - timedelta(seconds=1))
    make_token(user, projects=["other"])
    assert selectors.project_active_tokens("demo") == [scoped]
