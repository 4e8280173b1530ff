"""The documents of a provider's invoice: the счёт на оплату and the акт об оказанных услугах
as PDF, and the invoice's lines as XLSX.

They are rendered once, right after the month close's provider step has committed the invoice
(`billing.month_close.closure_documents_issue`: its number, lines and totals never change
afterwards), and stored with their SHA-256. What a provider or an operator downloads later is
byte for byte what was stored, never a new rendering of data that may have changed since (a
provider's new bank account, a renamed program, the payer's details).
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment

from kruzhok.billing.models import (
    AdvanceNetting,
    Invoice,
    InvoiceDocument,
    InvoiceDocumentKind,
    InvoiceLine,
)
from kruzhok.common.models import Municipality
from kruzhok.common.money import format_kopecks, kopecks_in_words
from kruzhok.common.months import month_name
from kruzhok.common.services import audit_record
from kruzhok.common.xlsx import (
    BOLD,
    MONEY_FORMAT,
    XLSX_CONTENT_TYPE,
    header_write,
    rubles,
    text_write,
    workbook_bytes,
)
from kruzhok.providers.models import Provider, ProviderKind

NOT_GIVEN = "не указано"

# The order documents are issued, listed and linked in.
DOCUMENT_KINDS = (
    InvoiceDocumentKind.INVOICE_PDF,
    InvoiceDocumentKind.ACT_PDF,
    InvoiceDocumentKind.LINES_XLSX,
)
CONTENT_TYPES: dict[str, str] = {
    InvoiceDocumentKind.INVOICE_PDF: "application/pdf",
    InvoiceDocumentKind.ACT_PDF: "application/pdf",
    InvoiceDocumentKind.LINES_XLSX: XLSX_CONTENT_TYPE,
}
_TEMPLATES: dict[str, str] = {
    InvoiceDocumentKind.INVOICE_PDF: "billing/invoice_pdf.html",
    InvoiceDocumentKind.ACT_PDF: "billing/act_pdf.html",
}


class InvoiceDocumentError(Exception):
    """An invoice whose documents cannot be issued; `str(error)` says in Russian why."""


@dataclass(frozen=True)
class Party:
    """One side of the documents, every detail as printed: a missing one reads «не указано»."""

    role: str
    name: str
    inn: str
    kpp: str | None  # None: the party has no КПП at all (an entrepreneur)
    ogrn_label: str
    ogrn: str
    address: str
    bank_name: str
    bik: str
    account_label: str
    account: str
    correspondent_account_label: str
    correspondent_account: str


@dataclass(frozen=True)
class Totals:
    lessons_planned: int
    lessons_attended: int
    certificate: int  # kopecks
    parent: int  # kopecks


def _given(value: str) -> str:
    return value.strip() or NOT_GIVEN


def provider_party(provider: Provider) -> Party:
    """The provider as Исполнитель: its registration and the account it is paid to."""
    entrepreneur = provider.kind == ProviderKind.ENTREPRENEUR
    return Party(
        role="Исполнитель",
        name=_given(provider.full_name),
        inn=_given(provider.inn),
        kpp=None if entrepreneur else _given(provider.kpp),
        ogrn_label="ОГРНИП" if entrepreneur else "ОГРН",
        ogrn=_given(provider.ogrn),
        address=_given(provider.address),
        bank_name=_given(provider.bank_name),
        bik=_given(provider.bik),
        account_label="Расчётный счёт",
        account=_given(provider.settlement_account),
        correspondent_account_label="Корр. счёт",
        correspondent_account=_given(provider.correspondent_account),
    )


def payer_party(municipality: Municipality) -> Party:
    """The municipality's authorised body as Заказчик, the payer of the invoice."""
    return Party(
        role="Заказчик (плательщик)",
        name=_given(municipality.payer_name),
        inn=_given(municipality.payer_inn),
        kpp=_given(municipality.payer_kpp),
        ogrn_label="ОГРН",
        ogrn=_given(municipality.payer_ogrn),
        address=_given(municipality.payer_address),
        bank_name=_given(municipality.payer_bank_name),
        bik=_given(municipality.payer_bik),
        account_label="Казначейский счёт",
        account=_given(municipality.payer_account),
        correspondent_account_label="Корр. счёт (ЕКС)",
        correspondent_account=_given(municipality.payer_correspondent_account),
    )


def _lines(invoice: Invoice) -> list[InvoiceLine]:
    """The lines by program, group and child; a child's corrections of earlier months follow
    the month's own line."""
    return list(
        InvoiceLine.objects.filter(invoice=invoice).order_by(
            "program_title",
            "group_name",
            "child_initials",
            F("corrects_month").asc(nulls_first=True),
            "pk",
        )
    )


def _totals(invoice: Invoice, lines: list[InvoiceLine]) -> Totals:
    """The lines' sums, which must be the invoice's own: a document whose table does not add
    up to its total is never issued."""
    totals = Totals(
        lessons_planned=sum(line.lessons_planned for line in lines),
        lessons_attended=sum(line.lessons_attended for line in lines),
        certificate=sum(line.certificate_amount for line in lines),
        parent=sum(line.parent_amount for line in lines),
    )
    if not lines or (totals.lessons_attended, totals.certificate, totals.parent) != (
        invoice.lessons,
        invoice.certificate_amount,
        invoice.parent_amount,
    ):
        raise InvoiceDocumentError(
            f"Строки счёта № {invoice.number} не сходятся с его итогами: документы не сформированы."
        )
    return totals


def advance_nettings(*, invoice: Invoice) -> list[AdvanceNetting]:
    """The advances an invoice netted off, oldest first, with the payment order of each."""
    return list(
        AdvanceNetting.objects.filter(invoice=invoice)
        .select_related("advance")
        .order_by("advance__month", "advance__pk")
    )


def invoice_document_context(*, invoice: Invoice) -> dict[str, Any]:
    """Everything the invoice and the act say, read once (also what the tests check).

    The amount due is the certificates' total. Corrections of closed months may take it
    below zero (marks taken back): nothing is then due, and the documents say what the
    provider returns instead (`refund`), since no amount in words is negative.

    Raises InvoiceDocumentError when the lines do not add up to the invoice's totals.
    """
    invoice = Invoice.objects.select_related("closure__municipality", "provider").get(pk=invoice.pk)
    lines = _lines(invoice)
    totals = _totals(invoice, lines)
    provider = provider_party(invoice.provider)
    payer = payer_party(invoice.closure.municipality)
    due, refund = max(totals.certificate - invoice.advance_netted, 0), max(-totals.certificate, 0)
    return {
        "invoice": invoice,
        "month": month_name(invoice.closure.month),
        "provider": provider,
        "payer": payer,
        "parties": [provider, payer],
        "lines": lines,
        "totals": totals,
        "has_corrections": any(line.corrects_month for line in lines),
        "advance_netted": invoice.advance_netted,
        "advances": advance_nettings(invoice=invoice),
        "due": due,
        "due_words": kopecks_in_words(due, capitalize=True),
        "due_words_lower": kopecks_in_words(due),
        "refund": refund,
        "refund_words_lower": kopecks_in_words(refund),
        "generated_at": timezone.localtime(),
    }


def invoice_document_html(*, context: dict[str, Any], kind: str) -> str:
    """The HTML WeasyPrint lays out for the invoice's or the act's PDF."""
    return render_to_string(_TEMPLATES[kind], context)


def _pdf(context: dict[str, Any], kind: str) -> bytes:
    # Imported here: WeasyPrint takes a second to load and most processes never print.
    from weasyprint import HTML

    pdf: bytes = HTML(string=invoice_document_html(context=context, kind=kind)).write_pdf()
    return pdf


def invoice_pdf(context: dict[str, Any]) -> bytes:
    """The счёт на оплату as PDF."""
    return _pdf(context, InvoiceDocumentKind.INVOICE_PDF)


def act_pdf(context: dict[str, Any]) -> bytes:
    """The акт об оказанных услугах as PDF."""
    return _pdf(context, InvoiceDocumentKind.ACT_PDF)


_LINE_HEADERS = (
    ("№ п/п", 6),
    ("Договор", 14),
    ("Ребёнок", 22),
    ("Программа", 32),
    ("Группа", 16),
    ("Занятий по расписанию", 12),
    ("Посещено", 10),
    ("За счёт сертификата", 15),
    ("Доплата родителя", 15),
    ("Корректировка за месяц", 16),
)
_TABLE_ROW = 6  # the header row; lines follow it


def _money_write(ws: Any, row: int, column: int, kopecks: int) -> None:
    cell = ws.cell(row=row, column=column, value=rubles(kopecks))
    cell.number_format = MONEY_FORMAT


def lines_xlsx(context: dict[str, Any]) -> bytes:
    """The invoice's lines as a workbook: one row per contract (and per month it corrects),
    then the totals.

    Every text from people (program titles, groups, names) is written as text, never as a
    formula (`common.xlsx.text_write`); amounts are exact numbers of rubles.
    """
    invoice: Invoice = context["invoice"]
    provider: Party = context["provider"]
    payer: Party = context["payer"]
    totals: Totals = context["totals"]
    wb = Workbook()
    ws = wb.active
    ws.title = "Строки счёта"
    heading = text_write(
        ws,
        1,
        1,
        f"Счёт на оплату № {invoice.number} от {invoice.issued_on:%d.%m.%Y} за {context['month']}",
    )
    heading.font = BOLD
    text_write(ws, 2, 1, f"Исполнитель: {provider.name}, ИНН {provider.inn}")
    text_write(ws, 3, 1, f"Заказчик (плательщик): {payer.name}, ИНН {payer.inn}")
    text_write(ws, 4, 1, f"Акт об оказанных услугах № {invoice.act_number}")
    header_write(ws, _TABLE_ROW, [h for h, _ in _LINE_HEADERS], [w for _, w in _LINE_HEADERS])
    row = _TABLE_ROW
    for row, line in enumerate(context["lines"], start=_TABLE_ROW + 1):
        ws.cell(row=row, column=1, value=row - _TABLE_ROW)
        for column, text in enumerate(
            (line.contract_number, line.child_initials, line.program_title, line.group_name),
            start=2,
        ):
            text_write(ws, row, column, text).alignment = Alignment(wrap_text=True)
        # A correction has no schedule of its own: the month it corrects had one.
        planned = None if line.corrects_month else line.lessons_planned
        ws.cell(row=row, column=6, value=planned)
        ws.cell(row=row, column=7, value=line.lessons_attended)
        _money_write(ws, row, 8, line.certificate_amount)
        _money_write(ws, row, 9, line.parent_amount)
        if line.corrects_month:
            text_write(ws, row, 10, month_name(line.corrects_month))
    total_row = row + 1
    text_write(ws, total_row, 1, "Итого").font = BOLD
    ws.cell(row=total_row, column=6, value=totals.lessons_planned).font = BOLD
    ws.cell(row=total_row, column=7, value=totals.lessons_attended).font = BOLD
    _money_write(ws, total_row, 8, totals.certificate)
    _money_write(ws, total_row, 9, totals.parent)
    for column in (8, 9):
        ws.cell(row=total_row, column=column).font = BOLD
    notes = []
    if context["advance_netted"]:
        notes.append(f"Зачтён аванс: {format_kopecks(context['advance_netted'])}")
    notes.append(
        f"Всего к оплате: {format_kopecks(context['due'])} ({context['due_words_lower']}), без НДС"
    )
    if context["refund"]:
        notes.append(
            f"Корректировки превышают начисления месяца: исполнитель возвращает "
            f"{format_kopecks(context['refund'])} ({context['refund_words_lower']})"
        )
    notes.append(
        f"Доплата родителей {format_kopecks(totals.parent)} оплачивается родителями "
        "по договорам и в сумму к оплате не входит."
    )
    for offset, note in enumerate(notes, start=2):
        text_write(ws, total_row + offset, 1, note)
    return workbook_bytes(wb)


_RENDERERS: dict[str, Callable[[dict[str, Any]], bytes]] = {
    InvoiceDocumentKind.INVOICE_PDF: invoice_pdf,
    InvoiceDocumentKind.ACT_PDF: act_pdf,
    InvoiceDocumentKind.LINES_XLSX: lines_xlsx,
}


def invoice_document_filename(*, invoice: Invoice, kind: str) -> str:
    """schet-12-2026-10.pdf, akt-12-2026-10.pdf, schet-12-2026-10.xlsx: the document, its own
    number (the act has a numbering of its own) and the month billed."""
    month = f"{invoice.closure.month:%Y-%m}"
    if kind == InvoiceDocumentKind.ACT_PDF:
        return f"akt-{invoice.act_number}-{month}.pdf"
    extension = "xlsx" if kind == InvoiceDocumentKind.LINES_XLSX else "pdf"
    return f"schet-{invoice.number}-{month}.{extension}"


def invoice_documents_issue(*, invoice: Invoice) -> list[InvoiceDocument]:
    """Render and store the invoice's PDF, the act's PDF and the lines' XLSX.

    Guarantees: one document of each kind per invoice (a unique constraint backs it); a
    document that exists is returned as it is stored, never rendered again, so a second call
    changes nothing; the documents missing are saved together or not at all, each with the
    SHA-256 of its stored bytes, and the digests go to the audit journal. Call it once the
    invoice and its lines are committed (they never change afterwards). Raises
    InvoiceDocumentError (nothing saved) when the lines do not add up to the invoice.

    Returns the documents in `DOCUMENT_KINDS` order.
    """
    with transaction.atomic():
        # Callers for one invoice take turns here; the unique constraint is the backstop.
        Invoice.objects.select_for_update(no_key=True, of=("self",)).only("pk").get(pk=invoice.pk)
        documents = {d.kind: d for d in InvoiceDocument.objects.filter(invoice=invoice)}
        missing = [kind for kind in DOCUMENT_KINDS if kind not in documents]
        if missing:
            context = invoice_document_context(invoice=invoice)
            for kind in missing:
                content = _RENDERERS[kind](context)
                documents[kind] = InvoiceDocument.objects.create(
                    invoice=invoice,
                    kind=kind,
                    filename=invoice_document_filename(invoice=context["invoice"], kind=kind),
                    content=content,
                    sha256=hashlib.sha256(content).hexdigest(),
                )
            audit_record(
                actor=None,
                action="invoice_documents_issue",
                obj=invoice,
                **{kind: documents[kind].sha256 for kind in missing},
            )
    return [documents[kind] for kind in DOCUMENT_KINDS]
