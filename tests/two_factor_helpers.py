"""Signing in past the second factor in tests.

Roles that must use two-factor authentication (accounts.services.two_factor)
see nothing until their session's code is checked; these give a test client or
a browser a verified session, as a person with their phone would have.
"""

from __future__ import annotations

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User


def authenticator_for(user: User) -> TOTPDevice:
    """The user's confirmed authenticator app, made if they have none, ready to
    accept the current code (its record of the last code used is cleared, so a
    test may sign the same person in twice within 30 seconds)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    device.last_t = -1
    return device


def current_code(device: TOTPDevice) -> str:
    """The code the person's app shows now."""
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{code:0{device.digits}d}"


def verify_session(client: Client, user: User) -> None:
    """Mark a signed-in test client's session as past the second factor."""
    device = authenticator_for(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
