from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

from .organisations import LocalAuthority, School


class Role(models.TextChoices):
    ATTENDANCE_LEAD = "attendance_lead", "School attendance lead"
    DSL = "dsl", "Designated safeguarding lead"
    SCHOOL_STAFF = "school_staff", "School staff (read only)"
    LA_OFFICER = "la_officer", "LA attendance officer"
    LA_MANAGER = "la_manager", "LA manager"
    SYSTEM_ADMIN = "system_admin", "System administrator"


# Tuples, not sets: the check constraint below lists them, and a set's order
# changes between runs, which would make a new migration every time.
SCHOOL_ROLES = (Role.ATTENDANCE_LEAD, Role.DSL, Role.SCHOOL_STAFF)
LA_ROLES = (Role.LA_OFFICER, Role.LA_MANAGER)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("Users sign in with their email address, so it is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("role", Role.SYSTEM_ADMIN)
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        # People type their address with any capitalisation.
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. Belongs to exactly one school, or one LA, or (admins) neither."""

    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=200)
    job_title = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=32, choices=Role.choices)
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    local_authority = models.ForeignKey(
        LocalAuthority, null=True, blank=True, on_delete=models.PROTECT, related_name="officers"
    )
    is_active = models.BooleanField(default=True)
    # Access to the Django admin site, which only system administrators get.
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # The morning email of what became due overnight (cases/services/flags_digest.py);
    # the user turns it off on the today page's settings form.
    morning_digest = models.BooleanField("email me a morning digest", default=True)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name"]
        constraints = [
            models.CheckConstraint(
                name="user_belongs_to_the_organisation_its_role_needs",
                condition=(
                    models.Q(
                        role__in=[r.value for r in SCHOOL_ROLES],
                        school__isnull=False,
                        local_authority__isnull=True,
                    )
                    | models.Q(
                        role__in=[r.value for r in LA_ROLES],
                        school__isnull=True,
                        local_authority__isnull=False,
                    )
                    | models.Q(
                        role=Role.SYSTEM_ADMIN, school__isnull=True, local_authority__isnull=True
                    )
                ),
            )
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_school_user(self) -> bool:
        return self.role in SCHOOL_ROLES

    @property
    def is_la_user(self) -> bool:
        return self.role in LA_ROLES

    @property
    def is_system_admin(self) -> bool:
        return self.role == Role.SYSTEM_ADMIN

    @property
    def organisation_name(self) -> str:
        if self.school_id:
            return self.school.name  # type: ignore[union-attr]
        if self.local_authority_id:
            return self.local_authority.name  # type: ignore[union-attr]
        return "All organisations"
