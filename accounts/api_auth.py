"""How the JSON API knows who is calling: hashed tokens, and a throttle per token.

The header is unchanged from DRF's own token scheme (`Authorization: Token
<key>`), so callers need no change; what changes is that the key is looked up
by its hash, and expires and can be revoked.
"""

from __future__ import annotations

import logging
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken, User
from .services.tokens import api_token_user

logger = logging.getLogger(__name__)

KEYWORD = "Token"


class HashedTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the header as 'Authorization: Token <token>', with no spaces in the token."
            )
        try:
            key = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("That token is not valid.") from None
        found = api_token_user(key)
        if found is None:
            raise exceptions.AuthenticationFailed(
                "That token is not valid: it may have expired or been revoked."
            )
        return found

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


class TokenRateThrottle(SimpleRateThrottle):
    """Requests per token (API_TOKEN_THROTTLE_RATE): one system's runaway loop
    slows only itself. Signed-in browser sessions are not counted here."""

    scope = "api_token"

    def get_rate(self) -> str | None:
        # Read when asked, not when the class is made, so the setting can change.
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return str(rate) if rate else None

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}

    def allow_request(self, request: Request, view: Any) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception:
            # The throttle guards capacity, not access: with its cache gone the
            # API keeps answering, scoped as ever, rather than failing every call.
            logger.warning("API throttle cache unavailable; request allowed", exc_info=True)
            return True


class HashedTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes the token header to other systems."""

    target_class = "accounts.api_auth.HashedTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'The token with the prefix "Token ", as in "Token ap_…".',
        }
