"""Mounted under /operator/ with the namespace `reports`: the reports at /operator/reports/,
the financing program editor at /operator/financing/."""

from django.urls import path

from kruzhok.reports import views

app_name = "reports"

urlpatterns = [
    path("reports/", views.index, name="index"),
    path("reports/population/", views.population, name="population"),
    path("reports/<slug:name>/", views.report, name="report"),
    path("reports/<slug:name>.xlsx", views.report_xlsx, name="report_xlsx"),
    path("financing/", views.financing, name="financing"),
    path("financing/<id:pk>/", views.financing_edit, name="financing_edit"),
    path("financing/<id:pk>/next/", views.financing_next, name="financing_next"),
]
