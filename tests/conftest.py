"""Fixtures shared by every test: users, a logged-in client, a real browser."""

import os
import shutil

import pytest

from tests.accounts.factories import PASSWORD, UserFactory

# Playwright's sync API runs an event loop in the test thread; the ORM calls made
# around it in browser tests are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
_browser_skipped = []


@pytest.fixture(scope="session", autouse=True)
def live_server_runs_the_production_application():
    """The live server serves indexsite.wsgi.application, as gunicorn does: the index's fast path in
    front of the machine and site handlers, so browsers and real clients meet what production runs."""
    from django.test import testcases

    from indexsite.wsgi import application

    # The live server builds `static_handler(_MediaFilesHandler(WSGIHandler()))`; the site serves its
    # own files, so the media handler's place is given to the application (static files stay served).
    original = testcases._MediaFilesHandler
    testcases._MediaFilesHandler = lambda handler: application
    yield
    testcases._MediaFilesHandler = original


@pytest.fixture(autouse=True)
def fresh_cache_for_transactional_tests(request):
    """Start each test that commits with an empty cache.

    Other tests roll back, and the database cache's rows (rate-limit counters,
    document generations) with them; a committing test's rows would outlive it
    and count its uploads against the next test's limits.
    """
    marker = request.node.get_closest_marker("django_db")
    if (
        "transactional_db" in request.fixturenames
        or "live_server" in request.fixturenames
        or (marker is not None and marker.kwargs.get("transaction"))
    ):
        from django.core.cache import cache

        request.getfixturevalue("transactional_db")
        cache.clear()


@pytest.fixture
def rate_limit_clock(monkeypatch):
    """Hold the rate limiter's clock one second into a fixed window, so a slow run never crosses a window's end."""
    import time
    import types

    start = (int(time.time()) // 86400) * 86400 + 1
    monkeypatch.setattr("accounts.ratelimit.time", types.SimpleNamespace(time=lambda: start))
    return start


class RateLimitClock:
    """The rate limiter's clock, which the test moves by setting `now` (Unix time)."""

    def __init__(self, now):
        self.now = now

    def time(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """The rate limiter's clock, one second into a day (so into every window), moved by the test."""
    import time

    clock = RateLimitClock((int(time.time()) // 86400) * 86400 + 1)
    monkeypatch.setattr("accounts.ratelimit.time", clock)
    return clock


@pytest.fixture(autouse=True)
def cheap_password_hashing(settings, monkeypatch):
    """Argon2 still hashes every password and recovery code, at test cost (production keeps its costs)."""
    settings.PASSWORD_HASHERS = ["tests.hashers.CheapArgon2PasswordHasher", *settings.PASSWORD_HASHERS]
    from tests.hashers import CheapArgon2PasswordHasher as cheap

    for name in ("time_cost", "memory_cost", "parallelism"):
        monkeypatch.setattr(f"mfa.hashers.RecoveryCodeHasher.{name}", getattr(cheap, name))


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def logged_in_client(client, user):
    client.post("/account/login/", {"username": user.username, "password": PASSWORD})
    return client


@pytest.fixture
def two_factor_user(db):
    """A user with a verified primary email and a confirmed authenticator app (`user.totp_device`)."""
    from tests.mfa.factories import TOTPDeviceFactory

    user = UserFactory()
    user.totp_device = TOTPDeviceFactory(user=user)
    return user


@pytest.fixture
def two_factor_client(client, two_factor_user):
    """A client logged in as `two_factor_user` through password and TOTP code, freshly authenticated,
    from a browser the account has used before (tests/mfa/test_new_device.py covers a new one)."""
    from tests.mfa.factories import known_device, totp_code

    known_device(client, two_factor_user)
    response = client.post("/account/login/", {"username": two_factor_user.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith("/account/two-factor/"), response
    response = client.post(
        "/account/two-factor/", {"method": "totp", "totp-code": totp_code(two_factor_user.totp_device)}
    )
    assert response.status_code == 302, response.content[:2000]
    return client


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright. Missing: skipped, or a failure when REQUIRE_BROWSER is set."""
    if not shutil.which(CHROMIUM):
        reason = f"Chromium not found at {CHROMIUM}: browser tests skipped (apt-get install -y chromium)"
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(reason.replace("skipped", "cannot run, and REQUIRE_BROWSER is set"))
        _browser_skipped.append(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def site_url(live_server, settings):
    """The live server's URL on `localhost` (WebAuthn refuses an IP), set as SITE_URL."""
    url = live_server.url.replace("127.0.0.1", "localhost")
    settings.SITE_URL = url
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]
    settings.CSRF_TRUSTED_ORIGINS = [url]
    return url


def pytest_collection_modifyitems(config, items):
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL's row locks: runs in the PostgreSQL pass (DATABASE_URL=postgres://...)")
    for item in items:
        if "postgresql" in item.keywords:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter):
    if _browser_skipped:
        terminalreporter.write_line(f"NOTE: {_browser_skipped[0]}", yellow=True)


@pytest.fixture
def media_root(settings, tmp_path):
    """A temporary MEDIA_ROOT for the default storage; returns its Path."""
    root = tmp_path / "files"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    return root


@pytest.fixture(autouse=True)
def no_language_left_active():
    """Each test starts in the default language: a page request in German or Spanish leaves its language
    active on the thread (as Django does between requests), and a service called directly by the next test
    would then speak it."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
