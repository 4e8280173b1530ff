from django.contrib.auth import views as auth_views
from django.urls import path

from kruzhok.accounts import views

app_name = "accounts"

urlpatterns = [
    path("register/", views.register, name="register"),
    path("login/", views.LoginView.as_view(), name="login"),
    # Django's LogoutView accepts POST only: a link or a prefetch cannot log anyone out.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("confirm/resend/", views.confirm_email_resend, name="confirm_email_resend"),
    path("confirm/<str:token>/", views.confirm_email, name="confirm_email"),
]
