from django.urls import path

from kruzhok.api import views
from kruzhok.api.api import api

app_name = "api_tokens"

urlpatterns = [
    path("", views.token_list, name="list"),
    path("<id:pk>/revoke/", views.token_revoke, name="revoke"),
]

api_urls = api.urls
