"""Two-factor authentication: a code from an authenticator app (TOTP, django-otp)
after the password, or one of ten single-use recovery codes.

LA officers and managers, DSLs and system administrators must use it: they can
reach every school's records in their LA, the safeguarding decisions, or the
admin. Everyone else may turn it on from their account page. Every step is in
the audit trail, and wrong codes have their own pause (SecondFactorThrottle).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import io
import re
import time
from dataclasses import dataclass
from enum import StrEnum

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp import verify_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from accounts.models import Role, SecondFactorThrottle, User
from core.audit import audit_record
from core.models import AuditEvent

REQUIRED_ROLES = (Role.LA_OFFICER, Role.LA_MANAGER, Role.DSL, Role.SYSTEM_ADMIN)
RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"
# The same steps as TOTPDevice's defaults: 30-second codes of 6 digits, one
# step either side accepted for a phone whose clock is a little out.
STEP, DIGITS, TOLERANCE = 30, 6, 1

_SIX_DIGITS = re.compile(r"\d{6}")
_RECOVERY = re.compile(r"[a-z2-7]{8}")


def second_factor_required(user: User) -> bool:
    """Whether this person must use a second factor (anyone with the admin must)."""
    if not settings.SECOND_FACTOR_REQUIRED:
        return False
    return user.role in REQUIRED_ROLES or user.is_staff or user.is_superuser


def has_second_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# Setting up -----------------------------------------------------------------


def new_secret() -> str:
    """A new TOTP key (hex, as TOTPDevice stores it), held in the session until
    the person proves their app has it."""
    return default_key()


@dataclass(frozen=True)
class SetUpDetails:
    secret: str  # base32, in groups of four, for typing into an app
    qr_code: str  # an SVG data: URI (the CSP allows img-src data:)


def set_up_details(user: User, secret_hex: str) -> SetUpDetails:
    device = TOTPDevice(user=user, key=secret_hex, name=AUTHENTICATOR_NAME)
    svg = io.BytesIO()
    qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage).save(svg)
    b32 = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return SetUpDetails(
        secret=" ".join(b32[i : i + 4] for i in range(0, len(b32), 4)),
        qr_code="data:image/svg+xml;base64," + base64.b64encode(svg.getvalue()).decode("ascii"),
    )


def _totp_step(secret_hex: str, code: str) -> int | None:
    """The time step `code` belongs to for this key, or None if it is not right now."""
    code = normalise_code(code)
    if not _SIX_DIGITS.fullmatch(code):
        return None
    try:
        key = binascii.unhexlify(secret_hex)
    except (binascii.Error, ValueError):
        return None
    totp = TOTP(key, STEP, 0, DIGITS, 0)
    totp.time = time.time()
    if not totp.verify(int(code), TOLERANCE):
        return None
    return int(totp.t())


def set_up_second_factor(*, user: User, secret_hex: str, code: str) -> list[str] | None:
    """Save the app's key once the person has typed a code it made, with a new
    set of recovery codes (returned, to be shown once). None if the code is wrong."""
    step = _totp_step(secret_hex, code)
    if step is None:
        return None
    with transaction.atomic():
        # Setting up again replaces the old app: one phone per person.
        TOTPDevice.objects.filter(user=user).delete()
        TOTPDevice.objects.create(
            user=user,
            name=AUTHENTICATOR_NAME,
            key=secret_hex,
            step=STEP,
            digits=DIGITS,
            tolerance=TOLERANCE,
            # The code just typed cannot be used again to sign in.
            last_t=step,
            confirmed=True,
        )
        codes = _new_recovery_codes(user)
        audit_record(
            actor=user,
            action=AuditEvent.Action.SECOND_FACTOR_SET_UP,
            target=user,
            note=f"Authenticator app and {len(codes)} recovery codes",
        )
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return [format_recovery_code(code) for code in codes]


def renew_recovery_codes(*, user: User) -> list[str]:
    """Ten new recovery codes; the old ones stop working."""
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        audit_record(actor=user, action=AuditEvent.Action.RECOVERY_CODES_RENEWED, target=user)
    return codes


def format_recovery_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def normalise_code(code: str) -> str:
    """People type codes with spaces, dashes and capitals: none of them matter."""
    return re.sub(r"[\s\-]", "", code).lower()


# Signing in ----------------------------------------------------------------


class CodeResult(StrEnum):
    ACCEPTED = "accepted"
    RECOVERY_CODE = "recovery_code"
    WRONG = "wrong"
    PAUSED = "paused"


@dataclass(frozen=True)
class CodeCheck:
    result: CodeResult
    device: TOTPDevice | StaticDevice | None = None
    paused_until: dt.datetime | None = None
    recovery_codes_left: int | None = None

    @property
    def accepted(self) -> bool:
        return self.result in {CodeResult.ACCEPTED, CodeResult.RECOVERY_CODE}


def paused_until(user: User) -> dt.datetime | None:
    """When codes will be accepted again, if they are paused now."""
    until = (
        SecondFactorThrottle.objects.filter(user=user, locked_until__gt=timezone.now())
        .values_list("locked_until", flat=True)
        .first()
    )
    return until


def check_code(*, user: User, code: str, address: str = "") -> CodeCheck:
    """Check a code from the app or a recovery code, counting wrong ones.

    After SECOND_FACTOR_FAILURE_LIMIT wrong codes in a row nothing is accepted
    for SECOND_FACTOR_LOCKOUT_MINUTES, even the right code.
    """
    code = normalise_code(code)
    from_where = f" from {address}" if address else ""
    with transaction.atomic():
        SecondFactorThrottle.objects.get_or_create(user=user)
        throttle = SecondFactorThrottle.objects.select_for_update().get(user=user)
        now = timezone.now()
        if throttle.locked_until is not None:
            if throttle.locked_until > now:
                return CodeCheck(CodeResult.PAUSED, paused_until=throttle.locked_until)
            throttle.failures, throttle.locked_until = 0, None

        device = _device_accepting(user, code)
        if device is not None:
            throttle.failures, throttle.locked_until = 0, None
            throttle.save(update_fields=["failures", "locked_until"])
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                audit_record(
                    actor=user,
                    action=AuditEvent.Action.RECOVERY_CODE_USED,
                    target=user,
                    note=f"{left} left{from_where}",
                )
                return CodeCheck(CodeResult.RECOVERY_CODE, device, recovery_codes_left=left)
            audit_record(
                actor=user,
                action=AuditEvent.Action.SECOND_FACTOR_VERIFIED,
                target=user,
                note=from_where.strip(),
            )
            return CodeCheck(CodeResult.ACCEPTED, device)

        throttle.failures += 1
        audit_record(
            actor=user,
            action=AuditEvent.Action.SECOND_FACTOR_FAILED,
            target=user,
            note=f"wrong code {throttle.failures} in a row{from_where}",
        )
        if throttle.failures >= settings.SECOND_FACTOR_FAILURE_LIMIT:
            throttle.locked_until = now + dt.timedelta(
                minutes=settings.SECOND_FACTOR_LOCKOUT_MINUTES
            )
            audit_record(
                actor=user,
                action=AuditEvent.Action.SECOND_FACTOR_LOCKED_OUT,
                target=user,
                note=f"codes paused until "
                f"{timezone.localtime(throttle.locked_until):%d %b %Y %H:%M}{from_where}",
            )
        throttle.save(update_fields=["failures", "locked_until"])
        if throttle.locked_until is not None:
            return CodeCheck(CodeResult.PAUSED, paused_until=throttle.locked_until)
        return CodeCheck(CodeResult.WRONG)


def _device_accepting(user: User, code: str) -> TOTPDevice | StaticDevice | None:
    # Each kind of code is tried only on its own kind of device, so a mistyped
    # recovery code never counts against the app's clock, and django-otp's
    # select_for_update stops one code being used twice at once.
    if _SIX_DIGITS.fullmatch(code):
        devices: list[TOTPDevice | StaticDevice] = list(
            TOTPDevice.objects.filter(user=user, confirmed=True)
        )
    elif _RECOVERY.fullmatch(code):
        devices = list(StaticDevice.objects.filter(user=user, confirmed=True))
    else:
        return None
    for device in devices:
        verified = verify_token(user, device.persistent_id, code)
        if verified is not None:
            return verified
    return None


# Removing -------------------------------------------------------------------


def remove_second_factor(*, user: User) -> None:
    """Turn it off, for someone who chose to have it. Those who must have it
    cannot; a lost phone is reset by an administrator."""
    if second_factor_required(user):
        raise PermissionError("Two-factor authentication is required for this role")
    with transaction.atomic():
        _delete_devices(user)
        audit_record(actor=user, action=AuditEvent.Action.SECOND_FACTOR_REMOVED, target=user)


def reset_second_factor(*, user: User, actor: User) -> None:
    """An administrator's reset for a lost phone: the person sets up again at
    their next sign-in (or may sign in with the password alone if their role
    does not need it). Any pause on codes ends with it."""
    with transaction.atomic():
        _delete_devices(user)
        SecondFactorThrottle.objects.filter(user=user).update(failures=0, locked_until=None)
        audit_record(
            actor=actor,
            action=AuditEvent.Action.SECOND_FACTOR_RESET,
            target=user,
            note="Reset by an administrator (lost phone or codes)",
        )


def _delete_devices(user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
