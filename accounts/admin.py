import contextlib
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.admin_audit import AuditedAdmin

from .forms import UserChangeAdminForm, UserCreationAdminForm
from .models import ApiToken, LocalAuthority, School, User
from .services.tokens import api_token_revoke
from .services.two_factor import reset_second_factor

# django-otp's own device pages would show every secret and delete devices with
# no product audit row; a lost phone is reset with the action on the user list.
for _model in (TOTPDevice, StaticDevice):
    with contextlib.suppress(NotRegistered):
        admin.site.unregister(_model)


@admin.register(LocalAuthority)
class LocalAuthorityAdmin(AuditedAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(School)
class SchoolAdmin(AuditedAdmin):
    list_display = ["name", "urn", "phase", "local_authority"]
    list_filter = ["phase", "local_authority"]
    search_fields = ["name", "urn"]


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    ordering = ["full_name"]
    list_display = ["full_name", "email", "role", "school", "local_authority", "is_active"]
    list_filter = ["role", "is_active", "local_authority"]
    search_fields = ["full_name", "email"]
    actions = ["reset_two_factor"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("full_name", "job_title")}),
        ("Organisation and role", {"fields": ("role", "school", "local_authority")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "full_name",
                    "role",
                    "school",
                    "local_authority",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    @admin.action(description="Reset two-factor authentication (lost phone)")
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        actor: Any = request.user
        for user in queryset:
            reset_second_factor(user=user, actor=actor)
        self.message_user(
            request,
            f"Two-factor authentication reset for {queryset.count()} "
            f"user{'s' if queryset.count() != 1 else ''}. They set it up again "
            "when they next sign in.",
            messages.SUCCESS,
        )


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    """Tokens are made by their users (or `create_api_token`); here an
    administrator sees them and revokes one, say for a user who has left."""

    list_display = ["name", "user", "prefix", "created_at", "expires_at", "last_used_at", "status"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__email", "user__full_name", "prefix"]
    readonly_fields = [
        "user",
        "name",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    ]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset.select_related("user"):
            api_token_revoke(token=token, acting_user=request.user, note="by an administrator")  # type: ignore[arg-type]
        self.message_user(request, "The selected tokens are revoked.")
