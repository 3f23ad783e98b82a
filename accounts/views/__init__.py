from .account import account
from .passwords import PasswordResetConfirmView, PasswordResetRequestView
from .two_factor import (
    recovery_codes,
    recovery_codes_renew,
    two_factor_remove,
    two_factor_set_up,
    two_factor_verify,
)

__all__ = [
    "PasswordResetConfirmView",
    "PasswordResetRequestView",
    "account",
    "recovery_codes",
    "recovery_codes_renew",
    "two_factor_remove",
    "two_factor_set_up",
    "two_factor_verify",
]
