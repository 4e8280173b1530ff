from django.contrib import admin
from django.urls import include, path

from kruzhok.common import views as common_views

admin.site.site_header = "Кружок — администрирование"
admin.site.site_title = "Кружок"
admin.site.index_title = "Данные муниципалитета"

urlpatterns = [
    path("", common_views.home, name="home"),
    path("healthz", common_views.healthz, name="healthz"),
    path("healthz/session", common_views.healthz_session, name="healthz-session"),
    path("admin/", admin.site.urls),
    path("accounts/", include("kruzhok.accounts.urls")),
    path("cabinet/", include("kruzhok.cabinet.urls")),
    path("cabinet/children/", include("kruzhok.families.urls")),
    path("catalog/", include("kruzhok.catalog.urls")),
    path("provider/import/", include("kruzhok.catalog.urls_import")),
    path("provider/", include("kruzhok.catalog.urls_provider")),
    path("operator/", include("kruzhok.catalog.urls_operator")),
    path("enrollment/", include("kruzhok.enrollment.urls")),
    path("attendance/", include("kruzhok.attendance.urls")),
    path("certificates/", include("kruzhok.certificates.urls")),
    path("notifications/", include("kruzhok.notifications.urls")),
]
