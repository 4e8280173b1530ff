"""The operator's pages under /operator/ (`oversight:`), beside the moderation, months,
periods and payments already mounted there."""

from django.urls import path

from kruzhok.oversight import corrections, views

app_name = "oversight"

urlpatterns = [
    path("", views.home, name="home"),
    path("applications/overdue/", views.applications_overdue, name="applications_overdue"),
    path("registers/<slug:slug>/", views.register, name="register"),
    path("registers/<slug:slug>/export.xlsx", views.register_export, name="register_export"),
    path("audit/", views.audit, name="audit"),
    path("corrections/", corrections.correction_list, name="corrections"),
    path("corrections/<id:pk>/", corrections.correction_detail, name="correction_detail"),
    path("corrections/<id:pk>/approve/", corrections.correction_approve, name="correction_approve"),
    path("corrections/<id:pk>/reject/", corrections.correction_reject, name="correction_reject"),
    path("audit/export.xlsx", views.audit_export, name="audit_export"),
]
