from django.contrib.auth import views as auth_views
from django.urls import path

from kruzhok.accounts import views

app_name = "accounts"

urlpatterns = [
    path("register/", views.register, name="register"),
    path("register/done/", views.register_done, name="register_done"),
    path("consent/", views.consent, name="consent"),
    path("consent/accept/", views.consent_accept, name="consent_accept"),
    path("login/", views.LoginView.as_view(), name="login"),
    # Django's LogoutView accepts POST only: a link or a prefetch cannot log anyone out.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("confirm/resend/", views.confirm_email_resend, name="confirm_email_resend"),
    path("confirm/<str:token>/", views.confirm_email, name="confirm_email"),
    path("profile/", views.profile_edit, name="profile"),
    path("profile/email/", views.email_change, name="email_change"),
    path(
        "profile/email/confirm/<str:token>/",
        views.email_change_confirm,
        name="email_change_confirm",
    ),
    # Django's stock password reset and change, with the portal's templates and limits.
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]
