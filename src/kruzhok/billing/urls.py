"""Billing's pages, under the portal's other cabinets (kruzhok/urls.py mounts each list):

- `provider_urlpatterns` — a provider's invoices under /provider/, named `provider:` with the
  rest of the provider's cabinet;
- `operator_urlpatterns` — the operator's side under /operator/ (`operator:`).
"""

from django.urls import URLPattern, path

from kruzhok.billing import invoice_views

provider_urlpatterns: list[URLPattern] = [
    path("invoices/", invoice_views.provider_invoice_list, name="invoices"),
    path(
        "invoices/<int:pk>/documents/<str:kind>/",
        invoice_views.provider_invoice_document,
        name="invoice_document",
    ),
]

operator_urlpatterns: list[URLPattern] = [
    path(
        "invoices/<int:pk>/documents/<str:kind>/",
        invoice_views.operator_invoice_document,
        name="invoice_document",
    ),
]
