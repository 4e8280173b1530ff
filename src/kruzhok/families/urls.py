from django.urls import path

from kruzhok.families import views

app_name = "families"

urlpatterns = [
    path("add/", views.child_add, name="child_add"),
    path("<id:pk>/correction/", views.child_correction, name="child_correction"),
    path("guardians/", views.guardians, name="guardians"),
    path(
        "guardians/invitations/<id:pk>/revoke/",
        views.guardian_invitation_revoke,
        name="guardian_invitation_revoke",
    ),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
]
