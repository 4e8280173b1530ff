"""Invoices with their documents, the payments that paid them and advances."""

import datetime
from typing import Literal

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from ninja import Field, Query, Router, Schema

from kruzhok.api.answers import READ_ERRORS, IdPath
from kruzhok.api.auth import Principal
from kruzhok.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_page
from kruzhok.api.problems import ApiProblem, Problem
from kruzhok.api.routers.provider.access import caller_of, within_token
from kruzhok.api.schemas import Money, money
from kruzhok.billing import invoice_read
from kruzhok.billing.documents import CONTENT_TYPES
from kruzhok.billing.models import (
    Advance,
    Invoice,
    InvoiceDocumentKind,
    InvoicePayment,
    InvoiceStatus,
)
from kruzhok.providers.models import StaffRole
from kruzhok.providers.selectors import staff_role

router = Router()

InvoiceStatusSlug = Literal[tuple(InvoiceStatus.values)]  # type: ignore[valid-type]
DocumentKindSlug = Literal[tuple(InvoiceDocumentKind.values)]  # type: ignore[valid-type]


class PaymentOut(Schema):
    id: int
    invoice_id: int
    amount: Money
    order_number: str
    order_date: datetime.date
    recorded_at: datetime.datetime


class DocumentOut(Schema):
    kind: DocumentKindSlug  # type: ignore[valid-type]
    name: str
    filename: str
    sha256: str
    url: str = Field(description="скачать документ через API")


class InvoiceOut(Schema):
    id: int
    provider_id: int
    month: datetime.date = Field(description="первое число закрытого месяца")
    series: str
    number: int
    act_number: int
    issued_on: datetime.date
    status: InvoiceStatusSlug  # type: ignore[valid-type]
    status_name: str
    lessons: int
    certificate_amount: Money = Field(description="к оплате за счёт сертификатов")
    parent_amount: Money = Field(description="доплата родителей (справочно)")
    advance_netted: Money
    paid_amount: Money
    due: Money = Field(description="осталось оплатить")
    documents: list[DocumentOut]
    payments: list[PaymentOut]


class InvoiceLineOut(Schema):
    contract_id: int
    contract_number: str
    child_name: str
    program_title: str
    group_name: str
    corrects_month: datetime.date | None = Field(description="корректировка за этот месяц")
    lessons_planned: int
    lessons_attended: int
    certificate_amount: Money
    parent_amount: Money


class InvoiceDetail(InvoiceOut):
    lines: list[InvoiceLineOut]


def _payment_out(payment: InvoicePayment) -> PaymentOut:
    return PaymentOut(
        id=payment.pk,
        invoice_id=payment.invoice_id,
        amount=money(payment.amount),
        order_number=payment.order_number,
        order_date=payment.order_date,
        recorded_at=payment.recorded_at,
    )


def _invoice_out(invoice: Invoice) -> InvoiceOut:
    return InvoiceOut(
        id=invoice.pk,
        provider_id=invoice.provider_id,
        month=invoice.closure.month,
        series=invoice.series,
        number=invoice.number,
        act_number=invoice.act_number,
        issued_on=invoice.issued_on,
        status=invoice.status,
        status_name=invoice.get_status_display(),
        lessons=invoice.lessons,
        certificate_amount=money(invoice.certificate_amount),
        parent_amount=money(invoice.parent_amount),
        advance_netted=money(invoice.advance_netted),
        paid_amount=money(invoice.paid_amount),
        due=money(invoice.due),
        documents=[
            DocumentOut(
                kind=document.kind,
                name=document.get_kind_display(),
                filename=document.filename,
                sha256=document.sha256,
                url=reverse(
                    "api:provider_invoice_document",
                    kwargs={"invoice_id": invoice.pk, "kind": document.kind},
                ),
            )
            for document in invoice.documents.all()
        ],
        payments=[_payment_out(p) for p in invoice.payments.all()],
    )


def _admin_required(caller: Principal) -> None:
    """Money is the administrators' (the invoices page refuses teachers with 403)."""
    if caller.provider_id is not None:
        admin = staff_role(user=caller.user, provider_id=caller.provider_id) == StaffRole.ADMIN
    else:
        admin = caller.user.provider_roles.filter(role=StaffRole.ADMIN).exists()
    if not admin:
        raise ApiProblem(403, "Счета организации видят её администраторы.")


def _invoices(caller: Principal) -> QuerySet[Invoice]:
    _admin_required(caller)
    return invoice_read.invoice_list_for_provider_admin(user=caller.user).filter(
        caller.provider_filter("provider")
    )


def _invoice(caller: Principal, invoice_id: int) -> Invoice:
    invoice = invoice_read.invoice_get_for_provider_admin(user=caller.user, pk=invoice_id)
    within_token(caller, invoice.provider_id, "Счёт не найден")
    listed = _invoices(caller).filter(pk=invoice.pk).first()
    if listed is None:
        raise Http404("Счёт не найден")
    return listed


@router.get(
    "/invoices",
    response={200: list[InvoiceOut], READ_ERRORS: Problem},
    summary="Счета",
    url_name="provider_invoice_list",
)
def invoice_list(request: HttpRequest) -> list[InvoiceOut]:
    """The invoices of the organisations the caller administers, newest month first, with
    their documents and payments; a teacher gets 403, as on the page."""
    caller = caller_of(request)
    return [_invoice_out(invoice) for invoice in _invoices(caller)]


@router.get(
    "/invoices/{invoice_id}",
    response={200: InvoiceDetail, READ_ERRORS: Problem},
    summary="Счёт со строками",
    url_name="provider_invoice_detail",
)
def invoice_detail(request: HttpRequest, invoice_id: IdPath) -> InvoiceDetail:
    """The invoice with its lines (a contract's month each; a correction line bills a change
    to an earlier, closed month); 403 for a teacher, 404 for another organisation's."""
    caller = caller_of(request)
    invoice = _invoice(caller, invoice_id)
    return InvoiceDetail(
        **_invoice_out(invoice).model_dump(),
        lines=[
            InvoiceLineOut(
                contract_id=line.contract_id,
                contract_number=line.contract_number,
                child_name=line.child_initials,
                program_title=line.program_title,
                group_name=line.group_name,
                corrects_month=line.corrects_month,
                lessons_planned=line.lessons_planned,
                lessons_attended=line.lessons_attended,
                certificate_amount=money(line.certificate_amount),
                parent_amount=money(line.parent_amount),
            )
            for line in invoice.lines.order_by(
                "program_title", "group_name", "child_initials", "pk"
            )
        ],
    )


_DOCUMENT_CONTENT = {
    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
        "schema": {"type": "string", "format": "binary"}
    },
}


@router.get(
    "/invoices/{invoice_id}/documents/{kind}",
    response={READ_ERRORS: Problem},
    url_name="provider_invoice_document",
    summary="Документ счёта (PDF, XLSX)",
    openapi_extra={
        "responses": {
            200: {"description": "документ, как он был выпущен", "content": _DOCUMENT_CONTENT}
        }
    },
)
def invoice_document(
    request: HttpRequest,
    invoice_id: IdPath,
    kind: DocumentKindSlug,  # type: ignore[valid-type]
) -> HttpResponse:
    """The stored bytes of the invoice's document, as the page's download serves them."""
    caller = caller_of(request)
    invoice = _invoice(caller, invoice_id)
    document = invoice_read.invoice_document_get(invoice=invoice, kind=kind)
    response = HttpResponse(bytes(document.content), content_type=CONTENT_TYPES[document.kind])
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=document.filename
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


class PaymentFilters(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, max_length=500)


class PaymentPage(Schema):
    items: list[PaymentOut]
    next_cursor: str | None


@router.get(
    "/payments",
    response={200: PaymentPage, READ_ERRORS: Problem},
    summary="Оплаты",
    url_name="provider_payment_list",
)
def payment_list(request: HttpRequest, filters: Query[PaymentFilters]) -> PaymentPage:
    """The payment orders that paid the invoices of the organisations the caller administers,
    newest recorded first."""
    caller = caller_of(request)
    payments = InvoicePayment.objects.filter(invoice__in=_invoices(caller).values("pk"))
    rows, next_cursor = keyset_page(
        payments, order=("-pk",), kinds=(int,), limit=filters.limit, cursor=filters.cursor
    )
    return PaymentPage(items=[_payment_out(p) for p in rows], next_cursor=next_cursor)


class AdvanceOut(Schema):
    id: int
    provider_id: int
    payer_municipality_id: int
    month: datetime.date
    amount: Money
    netted: Money = Field(description="зачтено в счета")
    outstanding: Money = Field(description="ещё не зачтено: долг организации")
    order_number: str
    order_date: datetime.date


@router.get(
    "/advances",
    response={200: list[AdvanceOut], READ_ERRORS: Problem},
    summary="Авансы",
    url_name="provider_advance_list",
)
def advance_list(request: HttpRequest) -> list[AdvanceOut]:
    """Advances paid to the organisations the caller administers, newest month first: what
    each invoice netted off and what is still owed (the invoices page's advances)."""
    caller = caller_of(request)
    _admin_required(caller)
    advances: QuerySet[Advance] = invoice_read.advance_list_for_provider_admin(
        user=caller.user
    ).filter(caller.provider_filter("provider"))
    return [
        AdvanceOut(
            id=a.pk,
            provider_id=a.provider_id,
            payer_municipality_id=a.municipality_id,
            month=a.month,
            amount=money(a.amount),
            netted=money(a.netted),
            outstanding=money(a.outstanding),
            order_number=a.order_number,
            order_date=a.order_date,
        )
        for a in advances
    ]
