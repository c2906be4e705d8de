"""Second-factor attempts are limited as PyPI's are: 5 per 5 minutes, 20 an hour and 50 a day per account,
and 10 per 5 minutes per IP address across accounts."""

import pytest
from django.test import RequestFactory

from accounts.models import SecurityEvent
from accounts.ratelimit import RateLimited
from mfa import services
from mfa.errors import TwoFactorError
from tests.accounts.factories import UserFactory
from tests.mfa.factories import TOTPDeviceFactory, totp_code

pytestmark = pytest.mark.django_db


def _request(ip="198.51.100.7"):
    return RequestFactory().post("/account/two-factor/", REMOTE_ADDR=ip)


def _two_factor_user():
    user = UserFactory()
    user.totp_device = TOTPDeviceFactory(user=user)
    return user


def _wrong(user):
    return f"{(int(totp_code(user.totp_device)) + 1) % 1000000:06d}"


def _fail(user, clock, times, ip="198.51.100.7"):
    """`times` wrong codes, 5 at a time with ten minutes between (so the 5-minute limit never refuses)."""
    for n in range(times):
        with pytest.raises(TwoFactorError):
            services.totp_verify(request=_request(ip), user=user, code=_wrong(user))
        if n % 5 == 4:
            clock.now += 600


def test_twenty_wrong_codes_in_an_hour_lock_the_account_for_the_rest_of_it(clock):
    user = _two_factor_user()
    _fail(user, clock, 20)  # 20 failures in 40 minutes, never 6 in 5 minutes

    with pytest.raises(RateLimited) as refused:
        services.totp_verify(request=_request(), user=user, code=totp_code(user.totp_device))

    assert 300 < refused.value.retry_after <= 3600
    last = SecurityEvent.objects.filter(user=user, tag="account:two_factor:failure").latest("id")
    assert last.details == {"method": "totp", "reason": "rate_limited"}


def test_fifty_wrong_codes_in_a_day_lock_the_account_for_the_rest_of_it(clock):
    user = _two_factor_user()
    _fail(user, clock, 20)
    clock.now += 7200  # the hour's failures have slid out of the hour's span
    _fail(user, clock, 20)
    clock.now += 7200
    _fail(user, clock, 10)  # 50 today

    with pytest.raises(RateLimited) as refused:
        services.totp_verify(request=_request(), user=user, code=totp_code(user.totp_device))

    assert 3600 < refused.value.retry_after <= 24 * 3600


def test_an_address_gets_ten_wrong_codes_per_five_minutes_across_accounts(clock):
    first, second, third = _two_factor_user(), _two_factor_user(), _two_factor_user()
    for user, times in ((first, 4), (second, 4), (third, 2)):
        for _ in range(times):
            with pytest.raises(TwoFactorError):
                services.totp_verify(request=_request(), user=user, code=_wrong(user))

    with pytest.raises(RateLimited):
        services.totp_verify(request=_request(), user=third, code=totp_code(third.totp_device))
    # The account itself has attempts left: from another address its right code passes.
    assert services.totp_verify(request=_request("203.0.113.5"), user=third, code=totp_code(third.totp_device))


def test_a_right_code_gives_back_the_addresses_hit_too(clock):
    users = [_two_factor_user() for _ in range(12)]
    for user in users:  # twelve people behind one office address sign in
        assert services.totp_verify(request=_request(), user=user, code=totp_code(user.totp_device))
