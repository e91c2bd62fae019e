from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("sso/", views.sso_login, name="oidc_login"),
    path("sso/callback/", views.sso_callback, name="oidc_callback"),
    path("2fa/", views.mfa_verify, name="mfa_verify"),
    path("2fa/setup/", views.mfa_setup, name="mfa_setup"),
    path("2fa/recovery-codes/", views.mfa_recovery_codes, name="mfa_recovery_codes"),
    path("2fa/off/", views.mfa_disable, name="mfa_disable"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/", views.token_create, name="token_create"),
    path("profile/tokens/<uuid:token>/revoke/", views.token_revoke, name="token_revoke"),
    path(
        "password/change/",
        views.passwords_on(
            auth_views.PasswordChangeView.as_view(
                template_name="accounts/password_change.html",
                success_url=reverse_lazy("accounts:password_change_done"),
            )
        ),
        name="password_change",
    ),
    path(
        "password/change/done/",
        views.passwords_on(
            auth_views.PasswordChangeDoneView.as_view(
                template_name="accounts/password_change_done.html"
            )
        ),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        views.passwords_on(
            auth_views.PasswordResetView.as_view(
                template_name="accounts/password_reset.html",
                email_template_name="emails/password-reset-body.txt",
                html_email_template_name="emails/password-reset-body.html",
                subject_template_name="emails/password-reset-subject.txt",
                success_url=reverse_lazy("accounts:password_reset_done"),
            )
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        views.passwords_on(
            auth_views.PasswordResetDoneView.as_view(
                template_name="accounts/password_reset_done.html"
            )
        ),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.passwords_on(
            auth_views.PasswordResetConfirmView.as_view(
                template_name="accounts/password_reset_confirm.html",
                success_url=reverse_lazy("accounts:password_reset_complete"),
            )
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        views.passwords_on(
            auth_views.PasswordResetCompleteView.as_view(
                template_name="accounts/password_reset_complete.html"
            )
        ),
        name="password_reset_complete",
    ),
]
