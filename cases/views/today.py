"""The today page: each role's home page, what needs doing (issue 13, item 3).

Core's home page asks for the list through `core.hooks.home_page` and shows it
under its "Today" heading, above its own panels' and the schools; a user with
no list (a system administrator) gets core's "Home" page as it was."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.safestring import SafeString
from django.views.decorators.http import require_http_methods

from accounts.models import Role
from core.dates import today
from core.http import acting_user
from core.scoping import get_for_user_or_404

from ..models import Flag, NightlyRun
from ..selectors_today import AUDIENCES, today_flags
from ..services.flags import flag_resolve, may_resolve
from .section import FormPage


def today_page(request: HttpRequest) -> SafeString | None:
    """The today list at the head of the home page, or None for a role without one."""
    user = acting_user(request)
    if user.role not in AUDIENCES:
        return None
    day = today()
    groups = today_flags(user=user, day=day)
    last_run = NightlyRun.objects.order_by("-as_at").only("as_at", "finished_at").first()
    return render_to_string(
        "cases/today/today.html",
        {
            "today": day,
            "groups": groups,
            "total": sum(g.count for g in groups),
            "can_act": user.role in (Role.ATTENDANCE_LEAD, Role.DSL, Role.LA_OFFICER),
            "last_run": last_run,
            "is_la": user.is_la_user,
            "is_manager": user.role == Role.LA_MANAGER,
        },
        request=request,
    )


class ResolveForm(forms.Form):
    note = forms.CharField(
        label="How was it dealt with, or why does it need nothing?",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )


@require_http_methods(["GET", "POST"])
def flag_resolve_page(request: HttpRequest, flag_id: int) -> HttpResponse:
    user = acting_user(request)
    flag = get_for_user_or_404(Flag.objects, user, pk=flag_id)
    if not may_resolve(user, flag):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    page = FormPage(request, back_to=reverse("home"))
    form = ResolveForm(request.POST or None)

    def save(data: dict[str, str]) -> HttpResponse:
        flag_resolve(acting_user=user, flag_id=flag.pk, note=data["note"])
        return page.saved("Flag resolved.", texts=[data["note"]])

    from ..hooks import all_flag_kinds

    kind = all_flag_kinds().get(flag.kind)
    return page.handle(form, save, "cases/today/resolve.html", {"flag": flag, "kind": kind})


urlpatterns = [path("today/flags/<int:flag_id>/resolve/", flag_resolve_page, name="flag_resolve")]
