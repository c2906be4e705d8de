"""/legacy/ limits: invalid tokens per IP, uploads per token and per IP, new projects per user a day."""

import pytest
from django.core.cache import cache
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import SecurityEvent
from packages.models import File, Project
from tests.accounts.factories import UserFactory
from tests.packages.distributions import make_wheel, upload_form
from tests.tokens.factories import basic_auth_header, make_token


pytestmark = pytest.mark.usefixtures("rate_limit_clock")  # no window ends mid-test


@pytest.fixture(autouse=True)
def fresh_cache(db):
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def uploader(db):
    user = UserFactory()
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


def post(client, dist, auth, **extra):
    return client.post("/legacy/", {**upload_form(dist), "content": dist.upload()}, HTTP_AUTHORIZATION=auth, **extra)


def test_invalid_tokens_per_ip_are_limited_and_recorded_by_identifier_only(client, uploader, media_root):
    token, raw = make_token(uploader)
    wrong = raw[:-4] + ("aaaa" if not raw.endswith("aaaa") else "bbbb")
    for _ in range(20):
        assert post(client, make_wheel("demo", "1.0"), basic_auth_header(wrong)).status_code == 403
    response = post(client, make_wheel("demo", "1.0"), basic_auth_header(wrong))
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert response.reason_phrase.startswith("Too many attempts. Try again in")
    # Even the right token is refused from that IP until the window passes; another IP is not.
    assert post(client, make_wheel("demo", "1.0"), basic_auth_header(raw)).status_code == 429
    assert post(client, make_wheel("demo", "1.0"), basic_auth_header(raw), REMOTE_ADDR="198.51.100.7").status_code == 200
    failures = SecurityEvent.objects.filter(tag="account:api_token:invalid_use")
    assert failures.count() == 20
    assert all(e.user == uploader and e.details["token_id"] == token.identifier for e in failures)
    assert not any(raw in str(e.details) or wrong in str(e.details) for e in SecurityEvent.objects.all())
    assert SecurityEvent.objects.filter(tag="account:rate_limited", details__limit="invalid-token-ip").exists()


def test_uploads_per_token_are_limited(client, uploader, media_root, settings):
    settings.UPLOAD_RATE_LIMIT = 3
    auth = basic_auth_header(make_token(uploader)[1])
    for n in range(3):
        assert post(client, make_wheel("demo", f"1.{n}"), auth, REMOTE_ADDR=f"192.0.2.{n}").status_code == 200
    response = post(client, make_wheel("demo", "1.9"), auth, REMOTE_ADDR="192.0.2.99")
    assert response.status_code == 429 and 0 < int(response["Retry-After"]) <= 60
    assert response.reason_phrase.startswith("Too many uploads. Try again in")
    assert File.objects.count() == 3
    event = SecurityEvent.objects.get(tag="account:rate_limited")
    assert event.user == uploader and event.details["limit"] == "upload"


def test_uploads_per_ip_are_limited_across_tokens(client, uploader, media_root, settings):
    settings.UPLOAD_RATE_LIMIT = 2
    for n in range(2):
        assert post(client, make_wheel("demo", f"1.{n}"), basic_auth_header(make_token(uploader)[1])).status_code == 200
    assert post(client, make_wheel("demo", "1.9"), basic_auth_header(make_token(uploader)[1])).status_code == 429


def test_new_projects_per_user_a_day_are_limited(client, uploader, media_root, settings):
    settings.PROJECT_CREATION_RATE_LIMIT = 2
    auth = basic_auth_header(make_token(uploader)[1])
    for name in ("first-one", "second-one"):
        assert post(client, make_wheel(name, "1.0"), auth).status_code == 200
    response = post(client, make_wheel("third-one", "1.0"), auth)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert response.reason_phrase == "Too many new projects. You can create 2 a day; try again in " + response.reason_phrase.split("try again in ")[1]
    assert not Project.objects.filter(normalized_name="third-one").exists()
    # Uploads to existing projects go on.
    assert post(client, make_wheel("first-one", "2.0"), auth).status_code == 200
