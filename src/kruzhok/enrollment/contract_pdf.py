"""The contract (or, before acceptance, the offer) as a printable PDF with both parties' details."""

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from kruzhok.common.money import kopecks_in_words
from kruzhok.enrollment.models import Application, ApplicationStatus
from kruzhok.enrollment.offers import offer_compute
from kruzhok.providers.models import ProviderKind


def contract_pdf_available(*, application: Application) -> bool:
    """A contract exists, or an offer is open to be read before accepting it."""
    return (
        getattr(application, "contract", None) is not None
        or application.status == ApplicationStatus.ACCEPTED
    )


def _figures(application: Application) -> dict[str, Any]:
    contract = getattr(application, "contract", None)
    if contract is not None:
        source: Any = contract
        lessons = None
    else:
        source = offer_compute(application=application)
        lessons = source.lessons
    return {
        "start_date": source.start_date,
        "end_date": source.end_date,
        "lessons": lessons,
        "total_hours": source.total_hours,
        "price_per_hour": source.price_per_hour,
        "total_cost": source.total_cost,
        "certificate_part": source.certificate_part,
        "parent_part": source.parent_part,
        "total_cost_words": kopecks_in_words(source.total_cost),
        "certificate_part_words": kopecks_in_words(source.certificate_part),
        "parent_part_words": kopecks_in_words(source.parent_part),
        "price_per_hour_words": kopecks_in_words(source.price_per_hour),
    }


def contract_pdf_context(*, application: Application) -> dict[str, Any]:
    """Everything the document says, read once (also handy for tests)."""
    contract = getattr(application, "contract", None)
    group = application.group
    provider = group.program.provider
    return {
        "application": application,
        "contract": contract,
        "group": group,
        "program": group.program,
        "provider": provider,
        "ogrn_label": "ОГРНИП" if provider.kind == ProviderKind.ENTREPRENEUR else "ОГРН",
        "parent": contract.accepted_by if contract else application.applicant,
        "child": application.child,
        "slots": list(group.schedule.all()),
        "generated_at": timezone.localtime(),
        **_figures(application),
    }


def contract_pdf_render(*, application: Application) -> bytes:
    """The PDF bytes; WeasyPrint lays out the HTML with the DejaVu fonts on the machine."""
    # Imported here: WeasyPrint takes a second to load and most requests never print.
    from weasyprint import HTML

    html = render_to_string(
        "enrollment/contract_pdf.html", contract_pdf_context(application=application)
    )
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
