from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from core.admin_audit import AuditedAdmin

from .forms import UserChangeAdminForm, UserCreationAdminForm
from .models import ApiToken, LocalAuthority, School, User
from .services.tokens import api_token_revoke


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
