"""One page of a list that can grow, as every such list is shown: 25 rows at a
time with GOV.UK pagination (templates/includes/pagination.html) and the count
above it (templates/includes/page_count.html)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

LIST_PAGE_SIZE = 25

T = TypeVar("T")


def page_of(
    rows: QuerySet[Any] | Sequence[T],
    request: HttpRequest,
    param: str = "page",
    per_page: int | None = None,
) -> Page[Any]:
    """The page the request asks for with `param` (the first for anything that
    is not a page number, the last for a number past the end). A queryset is
    counted and sliced in the database; a list already read is cut in Python."""
    return Paginator(rows, per_page or LIST_PAGE_SIZE).get_page(request.GET.get(param))
