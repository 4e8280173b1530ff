from django.urls import path

from kruzhok.catalog import views_provider as views

app_name = "provider"

urlpatterns = [
    path("", views.home, name="home"),
    path("join/", views.join, name="join"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("<int:provider_id>/profile/", views.profile_edit, name="profile_edit"),
    path("<int:provider_id>/resubmit/", views.provider_resubmit, name="resubmit"),
    path("<int:provider_id>/staff/", views.staff, name="staff"),
    path("<int:provider_id>/programs/new/", views.program_create, name="program_create"),
    path("programs/<int:pk>/", views.program_detail, name="program_detail"),
    path("programs/<int:pk>/edit/", views.program_edit, name="program_edit"),
    path("programs/<int:pk>/submit/", views.program_submit, name="program_submit"),
    path("programs/<int:pk>/archive/", views.program_archive, name="program_archive"),
    path("programs/<int:program_id>/groups/new/", views.group_create, name="group_create"),
    path("groups/<int:pk>/edit/", views.group_edit, name="group_edit"),
]
