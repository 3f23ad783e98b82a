"""The access matrix: every URL the resolver knows, for every role, on the
owning school's records, each answer checked against tests/access_matrix_table.py.

A leak is an answer that lets someone in where the table refuses them: a 2xx,
or a redirect anywhere but the sign-in page, or a refused request that wrote
to the audit trail. Every other difference from the table is listed too, all
of them in one failure. Run it with -s to see the count:

    pytest -s tests/test_access_matrix.py
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models.signals import post_save
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import School
from accounts.services.two_factor import second_factor_required
from core.models import AuditEvent

from .access_matrix_table import TABLE, Row, admin_statuses, for_variant
from .access_matrix_world import ROLES, World, build_world
from .two_factor_helpers import verify_session

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Pattern:
    key: str  # "namespace:name", or the route for a pattern with no name
    route: str
    keywords: tuple[str, ...]


def _names(route: str) -> tuple[str, ...]:
    found = re.findall(r"<(?:\w+:)?(\w+)>", route) + re.findall(r"\(\?P<(\w+)>", route)
    return tuple(found)


def url_patterns() -> list[Pattern]:
    """Every URL pattern, walking the includes, named by its app namespace."""
    found: list[Pattern] = []

    def walk(entries: list[Any], prefix: str, namespace: str) -> None:
        for entry in entries:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                inner = entry.app_name or entry.namespace or namespace
                walk(entry.url_patterns, route, inner if entry.namespace else namespace)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
                found.append(Pattern(key=name or route, route=route, keywords=_names(route)))

    walk(get_resolver().url_patterns, "", "")
    return found


PATTERNS = url_patterns()


def is_admin(pattern: Pattern) -> bool:
    return pattern.route.startswith("admin/")


def test_every_url_is_in_the_table() -> None:
    """A new URL fails here until it has a row in tests/access_matrix_table.py."""
    keys = {p.key for p in PATTERNS if not is_admin(p)}
    missing = sorted(keys - TABLE.keys())
    stale = sorted(TABLE.keys() - keys)
    assert not missing, f"URLs with no row in tests/access_matrix_table.py: {missing}"
    assert not stale, f"rows in tests/access_matrix_table.py for no URL: {stale}"
    assert sum(is_admin(p) for p in PATTERNS) > 50


# Building each request ----------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    url: str
    method: str
    role: str
    expected: int
    data: dict[str, str]
    label: str  # the URL's name and variant, for the report
    # False where the role may see the page and only the method is wrong: a
    # 200 then is a difference, not a leak.
    secret: bool = True


def _admin_url(pattern: Pattern, world: World) -> str:
    objects = world.admin_objects
    model = next((m for m in objects if f"/{m.replace('_', '/', 1)}/" in f"/{pattern.route}"), "")
    if pattern.key == "admin:view_on_site":
        school_type = ContentType.objects.get_for_model(School)
        return reverse(pattern.key, args=[school_type.pk, world.ids["school_id"]])
    if pattern.key == "admin:app_list":
        return reverse(pattern.key, kwargs={"app_label": "accounts"})
    if pattern.key.startswith("admin:") and pattern.keywords:
        return reverse(pattern.key, args=[objects[model]])
    if pattern.key.startswith("admin:"):
        return reverse(pattern.key)
    if "(?P<url>" in pattern.route:
        return "/admin/no-such-page/"
    # The unnamed redirect from an object's old address to its change page.
    return "/" + pattern.route.replace("<path:object_id>", str(objects[model]))


# The admin turns away everyone but an administrator before it looks at the
# URL: one role of each kind stands for the rest (the index is asked by all).
ADMIN_ROLES = ("anonymous", "staff", "dsl", "other_lead", "manager", "far_officer", "admin")


def _cases(world: World) -> Iterator[Case]:
    for pattern in PATTERNS:
        if is_admin(pattern):
            url = _admin_url(pattern, world)
            statuses = admin_statuses(pattern.key, pattern.route)
            for role in ROLES if pattern.key == "admin:index" else ADMIN_ROLES:
                yield Case(url, "GET", role, statuses[role], {}, pattern.key)
            continue
        row = TABLE.get(pattern.key)
        if row is None:
            continue  # test_every_url_is_in_the_table names it
        variants = ("referred", "unshared") if row.case_file else ("referred",)
        for variant in variants:
            ids = world.ids if variant == "referred" else {**world.ids, **world.unshared}
            url = reverse(pattern.key, kwargs={k: ids[row.ids.get(k, k)] for k in pattern.keywords})
            if row.query:
                url += "?" + urlencode({k: ids[v] for k, v in row.query.items()})
            label = f"{pattern.key} ({variant})" if row.case_file else pattern.key
            for method, statuses in (("GET", row.get), ("POST", row.post)):
                if statuses is None:
                    yield from _post_to_a_read_page(url, row, label)
                    continue
                if variant == "referred":
                    statuses = {**statuses, **row.referred}
                expected = (
                    for_variant(statuses, variant, row.unshared) if row.case_file else statuses
                )
                for role in ROLES:
                    yield Case(url, method, role, expected[role], dict(row.data), label)


# A page that only shows things refuses a POST (405) before anything else, so
# nothing can be changed through it: asked of one role of each kind.
READ_PAGE_POSTERS = ("anonymous", "lead", "officer", "admin")


def _post_to_a_read_page(url: str, row: Row, label: str) -> Iterator[Case]:
    if all(row.get[role] == 405 for role in READ_PAGE_POSTERS[1:]):
        return  # sign-out: its POST is the one thing it does
    for role in READ_PAGE_POSTERS:
        refusal = row.get[role] if role == "anonymous" else 405
        expected = refusal if refusal in (302, 401) else 405
        yield Case(url, "POST", role, expected, {}, label, secret=row.get[role] >= 300)


# Asking -------------------------------------------------------------------------------


def _clients(world: World) -> dict[str, Client]:
    # A server error is an answer to report, not an exception that ends the run.
    clients = {"anonymous": Client(raise_request_exception=False)}
    for role, user in world.users.items():
        client = Client(raise_request_exception=False)
        client.force_login(user)
        if second_factor_required(user):
            verify_session(client, user)
        clients[role] = client
    return clients


SIGN_IN_PAGES = ("/sign-in/", "/admin/login/")


def _to_sign_in(response: Any) -> bool:
    return response.status_code == 302 and response["Location"].startswith(SIGN_IN_PAGES)


class AuditWrites:
    """Counts audit rows written, without asking the database each time."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, sender: Any, created: bool = False, **_: Any) -> None:
        self.count += created


def _ask(client: Client, case: Case, audit: AuditWrites) -> tuple[int, bool, bool]:
    """(status, sent to sign in, wrote to the audit trail). A POST is rolled
    back; a GET keeps what it wrote (the audit of a page read), as it would."""
    before = audit.count
    if case.method == "GET":
        response = client.get(case.url)
    else:
        with transaction.atomic():
            response = client.post(case.url, case.data)
            transaction.set_rollback(True)
    return response.status_code, _to_sign_in(response), audit.count > before


@pytest.fixture
def quick_pdfs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages still render their HTML, but WeasyPrint's second or so a PDF is
    skipped: who may have the file is the question here, not its layout."""
    import weasyprint

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", lambda self, *a, **k: b"%PDF-1.7 matrix")


def _check(case: Case, status: int, to_sign_in: bool, wrote: bool) -> tuple[str, str]:
    """("leak" or "difference" or "", the line that says so)."""
    line = (
        f"{case.method} {case.url} [{case.label}] as {case.role}: "
        f"expected {case.expected}, got {status}"
    )
    refused = case.secret and (
        case.expected >= 400 or (case.role == "anonymous" and case.expected == 302)
    )
    let_in = status < 400 and not to_sign_in
    if refused and (let_in or wrote):
        return "leak", line + (" and wrote to the audit trail" if wrote else "")
    if status != case.expected:
        return "difference", line
    if case.role == "anonymous" and case.expected == 302 and not to_sign_in:
        return "difference", line + ", but not to the sign-in page"
    return "", line


def test_the_access_matrix(quick_pdfs: None) -> None:
    world = build_world()
    clients = _clients(world)
    cases = list(_cases(world))
    found: dict[str, list[str]] = {"leak": [], "difference": [], "": []}
    audit = AuditWrites()
    started = time.monotonic()
    post_save.connect(audit, sender=AuditEvent, weak=False)
    try:
        for case in cases:
            kind, line = _check(case, *_ask(clients[case.role], case, audit))
            found[kind].append(line)
    finally:
        post_save.disconnect(audit, sender=AuditEvent)
    leaks, differences = found["leak"], found["difference"]
    seconds = time.monotonic() - started
    print(f"\naccess matrix: {len(cases)} cases, {len(leaks)} leaks ({seconds:.0f} s)")
    report = [f"LEAK {line}" for line in leaks] + differences
    assert not report, f"{len(leaks)} leaks, {len(differences)} other differences:\n" + "\n".join(
        report
    )
