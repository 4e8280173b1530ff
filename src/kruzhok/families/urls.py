from django.urls import path

from kruzhok.families import views

app_name = "families"

urlpatterns = [
    path("", views.cabinet, name="cabinet"),
    path("children/add/", views.child_add, name="child_add"),
    path("children/<int:pk>/", views.child_detail, name="child_detail"),
]
