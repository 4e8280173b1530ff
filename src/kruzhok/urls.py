from django.contrib import admin
from django.urls import include, path

from kruzhok.api.urls import api_urls
from kruzhok.billing import urls as billing_urls
from kruzhok.catalog import urls as catalog_urls
from kruzhok.common import views as common_views
from kruzhok.providers import urls as providers_urls

urlpatterns = [
    path("", common_views.home, name="home"),
    # Browsers ask for /favicon.ico whatever the page says; the icon lives in static files.
    path("favicon.ico", common_views.favicon, name="favicon"),
    path("healthz", common_views.healthz, name="healthz"),
    path("healthz/session", common_views.healthz_session, name="healthz-session"),
    path("admin/", admin.site.urls),
    path("api/v1/", api_urls),
    path("cabinet/api-tokens/", include("kruzhok.api.urls")),
    path("accounts/", include("kruzhok.accounts.urls")),
    path("cabinet/", include("kruzhok.cabinet.urls")),
    path("cabinet/children/", include("kruzhok.families.urls")),
    path("catalog/", include("kruzhok.catalog.urls")),
    path("provider/import/", include((catalog_urls.import_urlpatterns, "provider_import"))),
    # The provider's cabinet is pages of three apps under one set of names (`provider:...`):
    # joining, the profile and the staff (providers), programs and groups (catalog), and
    # invoices (billing). The operator's pages are named `operator:...` likewise.
    path(
        "provider/",
        include(
            (
                [
                    *providers_urls.urlpatterns,
                    *catalog_urls.cabinet_urlpatterns,
                    *billing_urls.provider_urlpatterns,
                ],
                "provider",
            ),
        ),
    ),
    path("operator/months/", include("kruzhok.billing.urls")),
    path("operator/periods/", include((billing_urls.period_urlpatterns, "periods"))),
    path("operator/payments/", include((billing_urls.payment_urlpatterns, "payments"))),
    path("operator/advances/", include((billing_urls.advance_urlpatterns, "advances"))),
    path("operator/", include("kruzhok.reports.urls")),
    path(
        "operator/",
        include(
            (
                [*catalog_urls.moderation_urlpatterns, *billing_urls.operator_urlpatterns],
                "operator",
            )
        ),
    ),
    # The operator's home (exactly /operator/), registers and audit log.
    path("operator/", include("kruzhok.oversight.urls")),
    path("enrollment/", include("kruzhok.enrollment.urls")),
    path("attendance/", include("kruzhok.attendance.urls")),
    path("certificates/", include("kruzhok.certificates.urls")),
    path("notifications/", include("kruzhok.notifications.urls")),
]
