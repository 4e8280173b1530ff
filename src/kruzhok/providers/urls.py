"""The providers app's pages under /provider/: joining, invitations, the profile and the staff.

They share the `provider:` URL names with the catalogue's cabinet pages (programs, groups):
kruzhok/urls.py puts both lists under one namespace, so every name people's links and the
templates use stays as it was.
"""

from django.urls import URLPattern, path

from kruzhok.providers import views

urlpatterns: list[URLPattern] = [
    path("join/", views.join, name="join"),
    path("join/done/", views.join_done, name="join_done"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("invitations/<id:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("<id:provider_id>/profile/", views.profile_edit, name="profile_edit"),
    path("<id:provider_id>/resubmit/", views.provider_resubmit, name="resubmit"),
    path("<id:provider_id>/staff/", views.staff, name="staff"),
]
