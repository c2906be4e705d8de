"""Second-factor attempts sent at the same moment (PostgreSQL: real parallel transactions)."""

import threading

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import SecurityEvent
from accounts.ratelimit import RateLimited
from mfa import services
from mfa.errors import TwoFactorError
from tests.concurrency import at_once
from tests.mfa.factories import totp_code

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fresh_cache(django_db_blocker):
    from django.core.cache import cache

    with django_db_blocker.unblock():
        cache.clear()
    yield
    with django_db_blocker.unblock():
        cache.clear()


def _counting_evaluations(monkeypatch):
    """Count how many attempts reach the code check (each takes a moment, as a real check does)."""
    evaluated = []
    lock = threading.Lock()
    real = TOTPDevice.verify_token

    def verify(self, token):
        with lock:
            evaluated.append(token)
        return real(self, token)

    monkeypatch.setattr(TOTPDevice, "verify_token", verify)
    return evaluated


def test_twenty_wrong_codes_at_once_get_at_most_five_evaluations(two_factor_user, monkeypatch):
    evaluated = _counting_evaluations(monkeypatch)

    results = at_once(lambda: services.totp_verify(request=None, user=two_factor_user, code="000000"), times=20)

    assert all(isinstance(r, (TwoFactorError, RateLimited)) for r in results), results
    assert len(evaluated) <= 5
    assert sum(isinstance(r, TwoFactorError) for r in results) == len(evaluated)
    assert sum(isinstance(r, RateLimited) for r in results) >= 15
    refused = SecurityEvent.objects.filter(tag="account:two_factor:failure", details__reason="rate_limited")
    assert refused.count() == sum(isinstance(r, RateLimited) for r in results)


def test_the_same_valid_code_twice_at_once_is_accepted_once(two_factor_user):
    code = totp_code(two_factor_user.totp_device)

    results = at_once(lambda: services.totp_verify(request=None, user=two_factor_user, code=code), times=2)

    accepted = [r for r in results if isinstance(r, TOTPDevice)]
    refused = [r for r in results if isinstance(r, TwoFactorError)]
    assert len(accepted) == 1 and len(refused) == 1, results
    assert str(refused[0]) == "This code has already been used. Wait for your app to show the next code."
