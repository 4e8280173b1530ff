from django.urls import path

from kruzhok.catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.program_list, name="list"),
    path("programs/<int:pk>/", views.program_detail, name="program_detail"),
]
