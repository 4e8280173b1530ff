from django.urls import path

from kruzhok.families import views

app_name = "families"

urlpatterns = [
    path("add/", views.child_add, name="child_add"),
]
