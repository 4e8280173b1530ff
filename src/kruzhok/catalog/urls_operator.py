from django.urls import path

from kruzhok.catalog import views_operator as views

app_name = "operator"

urlpatterns = [
    path("moderation/", views.queue, name="queue"),
    path("moderation/providers/<int:pk>/", views.provider_detail, name="provider_detail"),
    path("moderation/providers/<int:pk>/approve/", views.provider_approve, name="provider_approve"),
    path("moderation/providers/<int:pk>/reject/", views.provider_reject, name="provider_reject"),
    path("moderation/programs/<int:pk>/", views.program_detail, name="program_detail"),
    path("moderation/programs/<int:pk>/approve/", views.program_approve, name="program_approve"),
    path("moderation/programs/<int:pk>/return/", views.program_return, name="program_return"),
]
