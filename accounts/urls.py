from django.contrib.auth import views as auth_views
from django.urls import path

from .forms import SignInForm
from .middleware import second_factor_not_required
from .views import (
    PasswordResetConfirmView,
    PasswordResetRequestView,
    account,
    recovery_codes,
    recovery_codes_renew,
    two_factor_remove,
    two_factor_set_up,
    two_factor_verify,
)
from .views_preferences import email_settings
from .views_tokens import api_token_revoke_page, api_tokens

urlpatterns = [
    path(
        "sign-in/",
        auth_views.LoginView.as_view(
            template_name="accounts/sign_in.html",
            authentication_form=SignInForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    # Signing out needs no code: someone asked for one may give up and leave.
    path("sign-out/", second_factor_not_required(auth_views.LogoutView.as_view()), name="logout"),
    path("sign-in/code/", two_factor_verify, name="two_factor_verify"),
    path("sign-in/set-up/", two_factor_set_up, name="two_factor_set_up"),
    path("account/", account, name="account"),
    path("account/recovery-codes/", recovery_codes, name="recovery_codes"),
    path("account/recovery-codes/new/", recovery_codes_renew, name="recovery_codes_renew"),
    path("account/two-factor/remove/", two_factor_remove, name="two_factor_remove"),
    path("api-tokens/", api_tokens, name="api_tokens"),
    path("api-tokens/<int:token_id>/revoke/", api_token_revoke_page, name="api_token_revoke"),
    path("password-reset/", PasswordResetRequestView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_sent.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("account/email/", email_settings, name="email_settings"),
]
