"""Factories and helpers for second factors in tests."""

import time
from binascii import unhexlify

import factory
from django_otp.oath import totp as oath_totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.factories import UserFactory


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    """A confirmed authenticator app with the site's parameters (6 digits, 30 s, ±1 step)."""

    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "Authenticator app"
    confirmed = True
    tolerance = 1


def totp_code_for_key(key_hex, *, at=None):
    """The 6-digit code for a hex key at time `at` (now by default), as an app would show it."""
    return f"{oath_totp(unhexlify(key_hex), step=30, t0=0, digits=6, drift=0) if at is None else _at(key_hex, at):06d}"


def _at(key_hex, at):
    from django_otp.oath import TOTP

    t = TOTP(unhexlify(key_hex), 30, 0, 6, 0)
    t.time = at
    return t.token()


def totp_code(device):
    """A code `device` will accept now: the current step's, or the next one if that was already used."""
    device.refresh_from_db()
    now = time.time()
    step = int(now // 30)
    if device.last_t >= step + 1:  # both usable steps spent: wait for the next period
        time.sleep(30 - now % 30 + 0.1)
        return totp_code(device)
    if device.last_t >= step:
        return totp_code_for_key(device.key, at=(step + 1) * 30)
    return totp_code_for_key(device.key, at=now)


def known_device_cookie(user):
    """(name, value) of the cookie of a browser that has signed in to `user`'s account before."""
    from django.core import signing

    from mfa.new_device import _COOKIE_SALT, DEVICE_COOKIE, device_cookie_value

    return DEVICE_COOKIE, signing.get_cookie_signer(salt=DEVICE_COOKIE + _COOKIE_SALT).sign(device_cookie_value(user))


def known_device(client, user):
    """Give the test client `client` a browser `user`'s account has used: signing in asks for no new-device link."""
    name, value = known_device_cookie(user)
    client.cookies[name] = value
    return client


def known_device_in_browser(page, site_url, user):
    """The same for a Playwright page's browser context."""
    name, value = known_device_cookie(user)
    page.context.add_cookies([{"name": name, "value": value, "url": site_url}])
    return page
