from django.core.validators import RegexValidator
from django.db import models


class LocalAuthority(models.Model):
    """A local authority, known by its three-digit DfE LA number (e.g. 926 for Norfolk)."""

    code = models.CharField(
        "LA number",
        max_length=3,
        unique=True,
        validators=[RegexValidator(r"^\d{3}$", "Enter the three-digit DfE LA number.")],
    )
    name = models.CharField(max_length=200)

    # Where letters come from and who to contact, printed on every document
    # the organisation issues; a document is refused while the address is blank.
    address = models.TextField(blank=True, help_text="The postal address, one line per line")
    postcode = models.CharField(max_length=10, blank=True)
    phone = models.CharField("telephone", max_length=30, blank=True)
    email = models.EmailField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "local authority"
        verbose_name_plural = "local authorities"

    def __str__(self) -> str:
        return self.name

    @property
    def has_address(self) -> bool:
        return bool(self.address.strip() and self.postcode.strip())


class School(models.Model):
    class Phase(models.TextChoices):
        NURSERY = "nursery", "Nursery"
        PRIMARY = "primary", "Primary"
        MIDDLE = "middle", "Middle"
        SECONDARY = "secondary", "Secondary"
        ALL_THROUGH = "all_through", "All-through"
        SPECIAL = "special", "Special"
        ALTERNATIVE_PROVISION = "alternative_provision", "Alternative provision"
        SIXTEEN_PLUS = "16_plus", "16 plus"

    urn = models.CharField(
        "URN",
        max_length=7,
        unique=True,
        validators=[RegexValidator(r"^\d{6,7}$", "Enter the school's six or seven-digit URN.")],
    )
    name = models.CharField(max_length=200)
    phase = models.CharField(max_length=32, choices=Phase.choices)
    local_authority = models.ForeignKey(
        LocalAuthority, on_delete=models.PROTECT, related_name="schools"
    )
    # The DfE establishment number: with the LA number it identifies the school
    # in Common Transfer Files (LAESTAB, e.g. 926/2155).
    establishment_number = models.CharField(
        max_length=4,
        blank=True,
        validators=[RegexValidator(r"^\d{4}$", "Enter the four-digit establishment number.")],
    )

    # Where letters come from and who to contact, printed on every document
    # the organisation issues; a document is refused while the address is blank.
    address = models.TextField(blank=True, help_text="The postal address, one line per line")
    postcode = models.CharField(max_length=10, blank=True)
    phone = models.CharField("telephone", max_length=30, blank=True)
    email = models.EmailField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["local_authority", "establishment_number"],
                condition=~models.Q(establishment_number=""),
                name="school_unique_laestab",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_address(self) -> bool:
        return bool(self.address.strip() and self.postcode.strip())

    @property
    def laestab(self) -> str:
        return f"{self.local_authority.code}{self.establishment_number}"
