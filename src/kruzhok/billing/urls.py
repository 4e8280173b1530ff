"""Billing's URLs, one list for each place they live in (kruzhok/urls.py includes them):

- `urlpatterns` — the operator's months under /operator/months/ (`billing:`): the list, the
  close button, a close with its progress and invoices;
- `period_urlpatterns` — the operator's financing periods under /operator/periods/
  (`periods:`);
- `provider_urlpatterns` — a provider's invoices under /provider/, named `provider:` with the
  rest of the provider's cabinet;
- `payment_urlpatterns` — the operator's payment registry under /operator/payments/
  (`payments:`): approve, pay, take back a wrong payment, export, load a statement;
- `advance_urlpatterns` — the operator's advances to providers under /operator/advances/
  (`advances:`);
- `operator_urlpatterns` — the downloads of an invoice's documents under /operator/
  (`operator:`), beside the moderation pages.
"""

from django.urls import URLPattern, path

from kruzhok.billing import advance_views, invoice_views, payment_views, period_views, views

app_name = "billing"

urlpatterns = [
    path("", views.month_list, name="month_list"),
    path("close/", views.month_close, name="month_close"),
    path("<id:pk>/", views.closure_detail, name="closure_detail"),
    path("<id:pk>/continue/", views.month_close_continue, name="month_close_continue"),
]

provider_urlpatterns: list[URLPattern] = [
    path("invoices/", invoice_views.provider_invoice_list, name="invoices"),
    path(
        "invoices/<id:pk>/documents/<str:kind>/",
        invoice_views.provider_invoice_document,
        name="invoice_document",
    ),
]

operator_urlpatterns: list[URLPattern] = [
    path(
        "invoices/<id:pk>/documents/<str:kind>/",
        invoice_views.operator_invoice_document,
        name="invoice_document",
    ),
]

period_urlpatterns: list[URLPattern] = [
    path("", period_views.period_list, name="list"),
    path("<id:pk>/", period_views.period_detail, name="detail"),
    path("<id:pk>/close/", period_views.period_close, name="close"),
]

payment_urlpatterns: list[URLPattern] = [
    path("", payment_views.registry, name="registry"),
    path("export.xlsx", payment_views.export_xlsx, name="export_xlsx"),
    path("export-1c.txt", payment_views.export_bank, name="export_bank"),
    path("statement/", payment_views.statement_upload, name="statement"),
    path("<id:pk>/approve/", payment_views.approve, name="approve"),
    path("<id:pk>/pay/", payment_views.payment_record, name="pay"),
    path("<id:pk>/reverse/", payment_views.payment_reverse, name="reverse"),
]

advance_urlpatterns: list[URLPattern] = [
    path("", advance_views.advance_list, name="list"),
    path("<id:provider_id>/pay/", advance_views.advance_record, name="pay"),
]
