"""The catalogue's pages of the provider's cabinet under /provider/: home, programs, groups.

They share the `provider:` URL names with the providers app's pages (kruzhok/urls.py).
"""

from django.urls import URLPattern, path

from kruzhok.catalog import views_provider as views

urlpatterns: list[URLPattern] = [
    path("", views.home, name="home"),
    path("<int:provider_id>/programs/new/", views.program_create, name="program_create"),
    path("programs/<int:pk>/", views.program_detail, name="program_detail"),
    path("programs/<int:pk>/edit/", views.program_edit, name="program_edit"),
    path("programs/<int:pk>/submit/", views.program_submit, name="program_submit"),
    path("programs/<int:pk>/archive/", views.program_archive, name="program_archive"),
    path("programs/<int:program_id>/groups/new/", views.group_create, name="group_create"),
    path("groups/<int:pk>/edit/", views.group_edit, name="group_edit"),
]
