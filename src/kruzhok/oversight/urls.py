"""The operator's pages under /operator/ (`oversight:`), beside the moderation, months,
periods and payments already mounted there."""

from django.urls import path

from kruzhok.oversight import views

app_name = "oversight"

urlpatterns = [
    path("", views.home, name="home"),
    path("applications/overdue/", views.applications_overdue, name="applications_overdue"),
    path("registers/<slug:slug>/", views.register, name="register"),
    path("registers/<slug:slug>/export.xlsx", views.register_export, name="register_export"),
    path("audit/", views.audit, name="audit"),
    path("audit/export.xlsx", views.audit_export, name="audit_export"),
]
