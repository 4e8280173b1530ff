from django.urls import path

from kruzhok.catalog import views_import

app_name = "provider_import"

urlpatterns = [
    path("", views_import.import_page, name="page"),
    path("template.xlsx", views_import.import_template, name="template"),
]
