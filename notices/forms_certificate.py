"""The s566 register certificate form: who signs, in what capacity, and the
declaration they make (the words are fixed, notices.models.certificate)."""

from __future__ import annotations

from django import forms

from .models import RegisterCertificate


class CertificateForm(forms.Form):
    signer_name = forms.CharField(
        label="Your full name",
        max_length=200,
        error_messages={"required": "Enter your full name"},
    )
    capacity = forms.ChoiceField(
        label="You are signing as",
        choices=RegisterCertificate.Capacity.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether you are the head teacher"},
    )
    job_title = forms.CharField(
        label="Your job title",
        max_length=200,
        help_text="For example, Head teacher, or Deputy head teacher and attendance lead.",
        error_messages={"required": "Enter your job title"},
    )
    declaration = forms.BooleanField(
        label="I certify that the register extract is a true extract of the school's "
        "attendance register",
        error_messages={"required": "Confirm that the extract is a true extract of the register"},
    )
