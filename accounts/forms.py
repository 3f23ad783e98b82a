from django import forms
from django.contrib.auth.forms import AdminUserCreationForm, AuthenticationForm, UserChangeForm

from .models import User


class SignInForm(AuthenticationForm):
    """Sign in with an email address. The error names no account, so it does not
    reveal which addresses have one."""

    error_messages = {
        "invalid_login": (
            "Enter a correct email address and password. The password is case sensitive."
        ),
        "inactive": "This account has been switched off. Ask your administrator.",
    }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["username"] = forms.EmailField(
            label="Email address",
            widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
            error_messages={
                "required": "Enter your email address",
                "invalid": "Enter an email address in the correct format, like name@example.org",
            },
        )
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"
        self.fields["password"].error_messages["required"] = "Enter your password"


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name", "role", "school", "local_authority")


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class SecurityCodeForm(forms.Form):
    """The code after the password: six digits from the app, or a recovery code."""

    code = forms.CharField(
        label="Security code",
        help_text=(
            "The 6-digit code your authenticator app shows now, or one of your recovery codes."
        ),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "spellcheck": "false",
                "autocapitalize": "none",
                "class": "govuk-input--width-10",
            }
        ),
        error_messages={"required": "Enter the security code"},
    )


class SetUpCodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        help_text="The 6 digits the app shows for Attendance Pathway, for example 123456.",
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
                "class": "govuk-input--width-10",
            }
        ),
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
    )
