"""A child's monthly statement as a printable A4 PDF (WeasyPrint, as the contract is printed)."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from kruzhok.cabinet.statements import ContractStatement, Statement
from kruzhok.common.money import kopecks_in_words
from kruzhok.providers.models import ProviderKind


@dataclass(frozen=True)
class _ContractPage:
    """A contract's part of the document: its month, and its totals in words."""

    statement: ContractStatement
    ogrn_label: str
    certificate_words: str
    parent_words: str


def statement_pdf_context(
    *, statement: Statement, generated_at: datetime.datetime | None = None
) -> dict[str, Any]:
    """Everything the document says, read once."""
    return {
        "statement": statement,
        "child": statement.child,
        "contracts": [
            _ContractPage(
                statement=c,
                ogrn_label="ОГРНИП" if c.provider.kind == ProviderKind.ENTREPRENEUR else "ОГРН",
                certificate_words=kopecks_in_words(c.certificate_amount),
                parent_words=kopecks_in_words(c.parent_amount),
            )
            for c in statement.contracts
        ],
        "value_words": kopecks_in_words(statement.lesson_value),
        "certificate_words": kopecks_in_words(statement.certificate_amount),
        "parent_words": kopecks_in_words(statement.parent_amount),
        "generated_at": generated_at or timezone.localtime(),
    }


def statement_pdf_html(*, statement: Statement) -> str:
    """The HTML that WeasyPrint lays out."""
    return render_to_string(
        "cabinet/statement_pdf.html", statement_pdf_context(statement=statement)
    )


def statement_pdf_render(*, statement: Statement) -> bytes:
    """The PDF bytes, A4, with the DejaVu fonts on the machine."""
    # Imported here: WeasyPrint takes a second to load and most requests never print.
    from weasyprint import HTML

    pdf: bytes = HTML(string=statement_pdf_html(statement=statement)).write_pdf()
    return pdf
