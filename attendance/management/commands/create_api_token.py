from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from rest_framework.authtoken.models import Token

from accounts.models import User
from core.audit import audit_record
from core.models import AuditEvent


def api_token_issue(*, user: User, rotate: bool = False) -> tuple[Token, bool]:
    """The user's API token, created if they have none (or, with `rotate`, replaced).
    Returns (token, whether it is new). Audited when a token is made.

    Belongs in accounts/services/ with the other account writes; it lives beside
    its only caller until that move.
    """
    with transaction.atomic():
        replaced = rotate and Token.objects.filter(user=user).delete()[0] > 0
        token, created = Token.objects.get_or_create(user=user)
        if created:
            # The target is the user, never the token: a Token's primary key is
            # the secret itself, and the audit trail is readable by more people.
            audit_record(
                actor=None,
                action=AuditEvent.Action.UPDATE if replaced else AuditEvent.Action.CREATE,
                target=user,
                school=user.school,
                note=f"API token {'replaced' if replaced else 'created'} by create_api_token",
            )
    return token, created


class Command(BaseCommand):
    help = (
        "Print the API token of the user with this email address, creating one if they have "
        "none. The token alone goes to stdout, so it can be piped; it reads data with the "
        "user's own scope and permissions."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The user's email address (any capitalisation).")
        parser.add_argument(
            "--rotate",
            action="store_true",
            help="Replace the user's token with a new one; the old one stops working at once.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"].strip()
        try:
            user = User.objects.get_by_natural_key(email)
        except User.DoesNotExist:
            raise CommandError(f"No user with email address {email}.") from None
        if not user.is_active:
            # DRF refuses tokens of inactive users, so a token would only mislead.
            raise CommandError(f"{user.email} is deactivated: an API token would not work.")
        token, created = api_token_issue(user=user, rotate=options["rotate"])
        if created:
            what = "New API token" if options["rotate"] else "Created an API token"
        else:
            what = "Existing API token"
        self.stderr.write(
            f"{what} for {user.email}. Send it as the header 'Authorization: Token <token>'."
        )
        self.stdout.write(token.key)
