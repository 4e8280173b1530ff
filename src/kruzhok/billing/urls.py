"""Billing's URLs, one list for each place they live in (kruzhok/urls.py includes them):

- `urlpatterns` — the operator's months under /operator/months/ (`billing:`);
- `period_urlpatterns` — the operator's financing periods under /operator/periods/
  (`periods:`).
"""

from django.urls import URLPattern, path

from kruzhok.billing import period_views, views

app_name = "billing"

urlpatterns = [
    path("", views.month_list, name="month_list"),
    path("close/", views.month_close, name="month_close"),
    path("<int:pk>/", views.closure_detail, name="closure_detail"),
]

period_urlpatterns: list[URLPattern] = [
    path("", period_views.period_list, name="list"),
    path("<int:pk>/", period_views.period_detail, name="detail"),
    path("<int:pk>/close/", period_views.period_close, name="close"),
]
