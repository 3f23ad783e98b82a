from typing import Any

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.urls import reverse_lazy

from accounts.services.passwords import password_reset_record
from accounts.tasks import send_password_reset_email
from core.queue import enqueue_on_commit


class QueuedPasswordResetForm(PasswordResetForm):
    """Queues the reset email for the worker instead of sending it in the request.

    The same page follows whether or not the address has an account, so the form
    cannot be used to find out who works where.
    """

    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
    )

    def save(  # type: ignore[override]
        self,
        domain_override: str | None = None,
        use_https: bool = False,
        request: Any = None,
        **_: Any,
    ) -> None:
        domain = domain_override or (request.get_host() if request is not None else "localhost")
        for user in self.get_users(self.cleaned_data["email"]):
            enqueue_on_commit(send_password_reset_email, user.pk, domain, use_https)


class PasswordResetRequestView(auth_views.PasswordResetView):
    form_class = QueuedPasswordResetForm
    template_name = "accounts/password_reset.html"
    success_url = reverse_lazy("password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form: Any) -> Any:
        response = super().form_valid(form)
        password_reset_record(user=form.user)
        return response
