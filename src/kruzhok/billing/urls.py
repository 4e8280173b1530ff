from django.urls import path

from kruzhok.billing import views

app_name = "billing"

urlpatterns = [
    path("", views.month_list, name="month_list"),
    path("close/", views.month_close, name="month_close"),
    path("<int:pk>/", views.closure_detail, name="closure_detail"),
]
