from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from accounts.services.tokens import api_token_create


class Command(BaseCommand):
    help = (
        "Make a new API token for the user with this email address and print it. Only its "
        "hash is kept, so this is the one time it can be read. The token alone goes to stdout, "
        "so it can be piped; it reads data with the user's own scope and permissions, and "
        "expires after API_TOKEN_LIFETIME_DAYS."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The user's email address (any capitalisation).")
        parser.add_argument(
            "--name",
            default="Made with create_api_token",
            help="What the token is for, shown in the user's list of tokens.",
        )
        parser.add_argument(
            "--rotate",
            action="store_true",
            help="Revoke the user's other tokens: they stop working at once.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"].strip()
        try:
            user = User.objects.get_by_natural_key(email)
        except User.DoesNotExist:
            raise CommandError(f"No user with email address {email}.") from None
        try:
            token, key = api_token_create(
                user=user, name=options["name"], acting_user=None, rotate=options["rotate"]
            )
        except PermissionDenied as refused:
            raise CommandError(str(refused)) from None
        replaced = " (their other tokens are revoked)" if options["rotate"] else ""
        self.stderr.write(
            f"New API token for {user.email}{replaced}, expiring "
            f"{token.expires_at:%-d %B %Y}. Send it as the header "
            "'Authorization: Token <token>'. It cannot be shown again."
        )
        self.stdout.write(key)
