"""The operator's payment registry under /operator/payments/: approved invoices with what is
paid and due, the approve button, the exports (XLSX, 1CClientBankExchange), a payment order
entered by hand, and the bank's statement loaded.

Access as on the months' pages: an operator sees their municipality (404 for another's
invoice), a regional administrator every one; other roles get 403.
"""

import datetime

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from kruzhok.accounts.permissions import AuthenticatedHttpRequest, role_required
from kruzhok.billing import selectors
from kruzhok.billing.invoice_read import invoice_get_for_operator
from kruzhok.billing.models import Invoice, InvoicePayment
from kruzhok.billing.payments import (
    REASON_MAX_CHARS,
    REASON_MIN_CHARS,
    STATEMENT_SECONDS,
    PaymentError,
    invoice_approve,
    invoice_payment_record,
    invoice_payment_reverse,
    statement_payments_record,
)
from kruzhok.billing.registry_exports import (
    RegistryExportError,
    registry_bank_exchange,
    registry_xlsx,
)
from kruzhok.billing.views import OPERATOR_ROLES, municipality_choices, operator_municipality
from kruzhok.common.bank_exchange import MAX_STATEMENT_BYTES
from kruzhok.common.bounds import BoundedDateField, date_in_range, id_parse
from kruzhok.common.models import Municipality
from kruzhok.common.money import rubles_to_kopecks
from kruzhok.common.months import month_name
from kruzhok.common.xlsx import XLSX_CONTENT_TYPE

MAX_AMOUNT = 10**13  # kopecks: a hundred billion rubles, far above any invoice


class PaymentForm(forms.Form):
    amount = forms.CharField(label="Сумма, ₽", max_length=20)
    order_number = forms.RegexField(
        label="Номер платёжного поручения",
        regex=r"^\s*[0-9]{1,6}\s*$",
        max_length=10,
        error_messages={"invalid": "Номер платёжного поручения — от одной до шести цифр."},
    )
    order_date = BoundedDateField(
        label="Дата платёжного поручения",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Дата вида 05.11.2026."},
    )

    def clean_amount(self) -> int:
        try:
            amount = rubles_to_kopecks(self.cleaned_data["amount"])
        except ValueError:
            raise forms.ValidationError("Сумма в рублях, например 1190,47.") from None
        if not 0 < amount < MAX_AMOUNT:
            raise forms.ValidationError("Сумма должна быть больше нуля.")
        return amount


class PaymentReverseForm(forms.Form):
    reason = forms.CharField(
        label="Причина сторнирования",
        min_length=REASON_MIN_CHARS,
        max_length=REASON_MAX_CHARS,
        strip=True,
        error_messages={
            "required": "Укажите причину сторнирования.",
            "min_length": f"Причина — не короче {REASON_MIN_CHARS} знаков.",
            "max_length": f"Причина — не длиннее {REASON_MAX_CHARS} знаков.",
        },
    )


class StatementForm(forms.Form):
    statement = forms.FileField(label="Выписка банка (файл обмена 1С, .txt)")


def _month(request: AuthenticatedHttpRequest) -> datetime.date | None:
    value = request.GET.get("month", "")
    try:
        month = datetime.date.fromisoformat(value).replace(day=1) if len(value) == 10 else None
    except ValueError:
        return None
    return None if month is None or date_in_range(month) else month


def _registry_url(municipality: Municipality, month: datetime.date | None = None) -> str:
    query = f"?municipality={municipality.pk}"
    if month is not None:
        query += f"&month={month.isoformat()}"
    return reverse("payments:registry") + query


@role_required(*OPERATOR_ROLES)
def registry(request: AuthenticatedHttpRequest) -> HttpResponse:
    municipality = operator_municipality(request)
    month = _month(request)
    invoices = list(selectors.payment_registry(municipality_id=municipality.pk, month=month))
    advances_today = list(
        selectors.advances_of_the_day(municipality_id=municipality.pk, day=timezone.localdate())
    )
    return render(
        request,
        "billing/payment_registry.html",
        {
            "municipality": municipality,
            "municipalities": municipality_choices(request),
            "month": month,
            "months": [
                (m, month_name(m))
                for m in selectors.payment_registry_months(municipality_id=municipality.pk)
            ],
            "invoices": invoices,
            "due_total": sum(i.due for i in invoices if i.status != "paid"),
            "advances_today": advances_today,
            "advances_today_total": sum(a.amount for a in advances_today),
            "today": timezone.localdate(),
            "statement_form": StatementForm(),
            "max_statement_mb": MAX_STATEMENT_BYTES // (1024 * 1024),
            "statement_seconds": STATEMENT_SECONDS,
        },
    )


@require_POST
@role_required(*OPERATOR_ROLES)
def approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    invoice = invoice_get_for_operator(user=request.user, pk=pk)
    try:
        invoice = invoice_approve(actor=request.user, invoice=invoice)
    except PaymentError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"{invoice} утверждён к оплате и внесён в реестр платежей.")
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("billing:closure_detail", pk=invoice.closure_id)


@require_POST
@role_required(*OPERATOR_ROLES)
def payment_record(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    invoice: Invoice = invoice_get_for_operator(user=request.user, pk=pk)
    form = PaymentForm(request.POST)
    if not form.is_valid():
        problems = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        messages.error(request, f"Оплата по счёту № {invoice.number} не отмечена: {problems}")
    else:
        try:
            recorded = invoice_payment_record(
                actor=request.user, invoice=invoice, **form.cleaned_data
            )
        except PaymentError as refusal:
            messages.error(request, str(refusal))
        else:
            if recorded.created:
                messages.success(
                    request, f"{recorded.payment} по счёту № {invoice.number} отмечено."
                )
            else:
                messages.info(
                    request,
                    f"{recorded.payment} по счёту № {invoice.number} уже было отмечено: "
                    "повторно не оплачено.",
                )
    return redirect(_registry_url(invoice.closure.municipality))


@require_POST
@role_required(*OPERATOR_ROLES)
def payment_reverse(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Take back a payment of the invoice recorded by mistake, with the reason."""
    invoice: Invoice = invoice_get_for_operator(user=request.user, pk=pk)
    payment_id = id_parse(request.POST.get("payment", ""))
    payment = (
        InvoicePayment.objects.filter(invoice=invoice, pk=payment_id).first()
        if payment_id is not None
        else None
    )
    form = PaymentReverseForm(request.POST)
    if payment is None:
        messages.error(request, f"По счёту № {invoice.number} нет такой оплаты.")
    elif not form.is_valid():
        problems = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        messages.error(request, f"{payment} не сторнировано: {problems}")
    else:
        try:
            invoice_payment_reverse(
                actor=request.user, payment=payment, reason=form.cleaned_data["reason"]
            )
        except PaymentError as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request,
                f"{payment} по счёту № {invoice.number} сторнировано: счёт снова ждёт оплаты.",
            )
    return redirect(_registry_url(invoice.closure.municipality))


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


@role_required(*OPERATOR_ROLES)
def export_xlsx(request: AuthenticatedHttpRequest) -> HttpResponse:
    municipality = operator_municipality(request)
    month = _month(request)
    invoices = list(
        selectors.payment_registry(municipality_id=municipality.pk, month=month, due_only=True)
    )
    content = registry_xlsx(municipality=municipality, invoices=invoices)
    filename = f"reestr-platezhey-{timezone.localdate():%Y-%m-%d}.xlsx"
    return _attachment(content, XLSX_CONTENT_TYPE, filename)


@role_required(*OPERATOR_ROLES)
def export_bank(request: AuthenticatedHttpRequest) -> HttpResponse:
    municipality = operator_municipality(request)
    month = _month(request)
    invoices = list(
        selectors.payment_registry(municipality_id=municipality.pk, month=month, due_only=True)
    )
    advances = list(
        selectors.advances_of_the_day(municipality_id=municipality.pk, day=timezone.localdate())
    )
    try:
        content = registry_bank_exchange(
            municipality=municipality, invoices=invoices, now=timezone.now(), advances=advances
        )
    except RegistryExportError as refusal:
        messages.error(request, f"Файл для банка не выгружен. {refusal}")
        return redirect(_registry_url(municipality, month))
    filename = f"reestr-platezhey-{timezone.localdate():%Y-%m-%d}.txt"
    return _attachment(content, "text/plain; charset=windows-1251", filename)


@require_POST
@role_required(*OPERATOR_ROLES)
def statement_upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    municipality = operator_municipality(request)
    form = StatementForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Выберите файл выписки, выгруженный из банка в формате 1С.")
        return redirect(_registry_url(municipality))
    upload = form.cleaned_data["statement"]
    if upload.size > MAX_STATEMENT_BYTES:
        messages.error(
            request,
            f"Файл больше {MAX_STATEMENT_BYTES // (1024 * 1024)} МБ: выгрузите выписку за более "
            "короткий период и загрузите её по частям.",
        )
        return redirect(_registry_url(municipality))
    try:
        result = statement_payments_record(
            actor=request.user, municipality_id=municipality.pk, data=upload.read()
        )
    except ValueError as refusal:
        messages.error(request, f"Выписка не загружена. {refusal}")
        return redirect(_registry_url(municipality))
    return render(
        request,
        "billing/statement_result.html",
        {"municipality": municipality, "result": result},
    )
