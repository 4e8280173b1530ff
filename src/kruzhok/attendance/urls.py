from django.urls import path

from kruzhok.attendance import views

app_name = "attendance"

urlpatterns = [
    path("", views.my_groups, name="my_groups"),
    path("groups/<id:pk>/", views.journal, name="journal"),
    path("groups/<id:pk>/journal.xlsx", views.journal_xlsx, name="journal_xlsx"),
    path("contracts.xlsx", views.contracts_xlsx, name="contracts_xlsx"),
    path("lessons/<id:pk>/", views.lesson, name="lesson"),
    path("lessons/<id:pk>/change/", views.lesson_change, name="lesson_change"),
    path("lessons/<id:pk>/all-present/", views.mark_all_present, name="mark_all_present"),
    path("mark/", views.mark, name="mark"),
]
