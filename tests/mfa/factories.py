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
