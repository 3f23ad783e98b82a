"""How an app asks an app above it for something, without importing it.

The apps are layers (docs/architecture.md): a lower app never imports a higher
one. When a lower app needs what only a higher app knows (the pupil's
attendance page shows their open case; the caseload counts meetings against the
LA's pathway settings), the lower app declares a hook in its `hooks.py` and
calls it; the higher app provides the function from its `AppConfig.ready()`.

- `Hook`: one function, provided once. Calling it before it is provided is a
  configuration error, not a silent default.
- `Hooks`: any number of functions, each app above adding its own; calling it
  returns their results, in the order they were provided.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, ParamSpec, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.utils.safestring import SafeString

P = ParamSpec("P")
R = TypeVar("R")


def _name(function: Callable[..., object]) -> str:
    return f"{function.__module__}.{getattr(function, '__qualname__', repr(function))}"


class Hook(Generic[P, R]):
    """One function that a lower app calls and one app above provides."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._provider: Callable[P, R] | None = None

    def provide(self, provider: Callable[P, R]) -> Callable[P, R]:
        """Fill the hook (from an `AppConfig.ready()`). Providing the same
        function again changes nothing; a second, different one is refused."""
        if self._provider is not None and self._provider is not provider:
            raise ImproperlyConfigured(
                f"{self.name} is already provided by {_name(self._provider)}; "
                f"{_name(provider)} cannot provide it too"
            )
        self._provider = provider
        return provider

    @property
    def provided(self) -> bool:
        return self._provider is not None

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        if self._provider is None:
            raise ImproperlyConfigured(
                f"Nothing provides {self.name}: the app that does is missing from INSTALLED_APPS"
            )
        return self._provider(*args, **kwargs)


class Hooks(Generic[P, R]):
    """Functions that apps above add to a lower app's list (a page's panels)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._providers: list[Callable[P, R]] = []

    def provide(self, provider: Callable[P, R]) -> Callable[P, R]:
        if provider not in self._providers:
            self._providers.append(provider)
        return provider

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> list[R]:
        return [provider(*args, **kwargs) for provider in self._providers]


# The home page's panels, from the apps above core: pieces of HTML shown
# under its heading (notices: the referrals the LA returned to the school). An
# app with nothing to show this user returns "".
home_panels: Hooks[[HttpRequest], SafeString] = Hooks("core.hooks.home_panels")

# The top of the home page: each role's "today" list, from the app that can
# read the flags (cases). None for a user with no such list (a system
# administrator), whose home page stays "Home" and its schools.
home_page: Hook[[HttpRequest], SafeString | None] = Hook("core.hooks.home_page")
