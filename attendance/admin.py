"""Calendars are kept by system administrators here until schools edit their own."""

from django.contrib import admin

from .models import SchoolClosure, SchoolTerm
from .services.calendars import school_days_refresh
from .years import academic_year_of


class _RefreshesSchoolDays(admin.ModelAdmin):
    """School days follow the calendar: recompute them after every change."""

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        school_days_refresh(pairs=self._years(obj, form), acting_user=request.user)

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        pairs = self._years(obj, None)
        super().delete_model(request, obj)
        school_days_refresh(pairs=pairs, acting_user=request.user)

    @staticmethod
    def _years(obj, form) -> set[tuple[int, int]]:  # type: ignore[no-untyped-def]
        """Every (school, academic year) the record touches, before and after a
        change: a term may span two years, or be moved from one to another."""
        dates = [getattr(obj, name) for name in ("start", "end", "date") if hasattr(obj, name)]
        schools = {obj.school_id}
        if form is not None:
            for name in ("start", "end", "date", "school"):
                if name in form.initial and form.initial[name] is not None:
                    value = form.initial[name]
                    if name == "school":
                        schools.add(value.pk if hasattr(value, "pk") else int(value))
                    else:
                        dates.append(value)
        return {(school, academic_year_of(day)) for school in schools for day in dates}


@admin.register(SchoolTerm)
class SchoolTermAdmin(_RefreshesSchoolDays):
    list_display = ["school", "name", "start", "end"]
    list_filter = ["school__local_authority"]
    search_fields = ["school__name", "name"]


@admin.register(SchoolClosure)
class SchoolClosureAdmin(_RefreshesSchoolDays):
    list_display = ["school", "date", "kind", "reason"]
    list_filter = ["kind", "school__local_authority"]
    search_fields = ["school__name"]
