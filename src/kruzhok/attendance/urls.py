from django.urls import path

from kruzhok.attendance import views

app_name = "attendance"

urlpatterns = [
    path("", views.my_groups, name="my_groups"),
    path("groups/<int:pk>/", views.journal, name="journal"),
    path("lessons/<int:pk>/", views.lesson, name="lesson"),
    path("lessons/<int:pk>/all-present/", views.mark_all_present, name="mark_all_present"),
    path("mark/", views.mark, name="mark"),
]
