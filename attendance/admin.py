"""Calendars are kept by system administrators here until schools edit their own."""

from django.contrib import admin

from .models import SchoolClosure, SchoolTerm
from .services.calendars import school_days_refresh
from .years import academic_year_of


class _RefreshesSchoolDays(admin.ModelAdmin):
    """School days follow the calendar: recompute them after every change."""

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        day = getattr(obj, "start", None) or obj.date
        school_days_refresh(pairs={(obj.school_id, academic_year_of(day))})

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        day = getattr(obj, "start", None) or obj.date
        super().delete_model(request, obj)
        school_days_refresh(pairs={(obj.school_id, academic_year_of(day))})


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
