from django.urls import path, register_converter

from kruzhok.cabinet import calendar_views, data_views, views
from kruzhok.cabinet.converters import MonthConverter

app_name = "cabinet"

# Converter names are global to the project: this one says what it reads.
register_converter(MonthConverter, "year_month")

urlpatterns = [
    path("", views.home, name="home"),
    path("data/", data_views.my_data, name="my_data"),
    path("data/export.json", data_views.my_data_export, name="my_data_export"),
    path("data/delete/", data_views.my_data_delete, name="my_data_delete"),
    path("children/<id:pk>/", views.child_detail, name="child_detail"),
    path("children/<id:pk>/calendar/", calendar_views.child_calendar, name="child_calendar"),
    path("calendar/", calendar_views.calendar_feed, name="calendar_feed"),
    path("calendar/revoke/", calendar_views.calendar_feed_delete, name="calendar_feed_revoke"),
    # The address a phone's calendar subscribes to: its token is the only key (no session).
    path("calendar/<str:token>.ics", calendar_views.calendar_ics, name="calendar_ics"),
    path("children/<id:pk>/statements/<year_month:month>/", views.statement, name="statement"),
    path(
        "children/<id:pk>/statements/<year_month:month>/statement.pdf",
        views.statement_pdf,
        name="statement_pdf",
    ),
]
