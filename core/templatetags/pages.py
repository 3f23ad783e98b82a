"""Links between the pages of a paginated list.

A page can hold more than one list (the school dashboard has three), so each
list pages with its own query parameter; a link changes only that parameter
and keeps the others (the search, the filters, the other lists' pages).
"""

from __future__ import annotations

from django import template
from django.http import QueryDict

register = template.Library()


@register.simple_tag(takes_context=True)
def page_query(context: template.Context, param: str, number: int) -> str:
    request = context.get("request")
    params: QueryDict = request.GET.copy() if request is not None else QueryDict(mutable=True)
    if number == 1:
        # Page 1 is the list's plain address: one address per page.
        params.pop(param, None)
    else:
        params[param] = str(number)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"
