"""Invoice pages: a provider's «Счета» and the downloads of an invoice's stored documents, for
the provider's administrators and for the operators of the invoice's municipality.

A download serves the bytes stored when the invoice was issued, with their own name and type:
nothing is rendered here.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header

from kruzhok.accounts.models import Role
from kruzhok.accounts.permissions import AuthenticatedHttpRequest, role_required
from kruzhok.billing import invoice_read
from kruzhok.billing.documents import CONTENT_TYPES
from kruzhok.billing.models import InvoiceDocument
from kruzhok.providers.models import StaffRole


def _download(document: InvoiceDocument) -> HttpResponse:
    response = HttpResponse(bytes(document.content), content_type=CONTENT_TYPES[document.kind])
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=document.filename
    )
    # Children's names are in it: no shared cache keeps a copy.
    patch_cache_control(response, private=True, no_store=True)
    return response


@role_required(Role.PROVIDER)
def provider_invoice_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The invoices of the providers the user administers, newest month first."""
    if not request.user.provider_roles.filter(role=StaffRole.ADMIN).exists():
        raise PermissionDenied("Счета организации видят её администраторы.")
    invoices = list(invoice_read.invoice_list_for_provider_admin(user=request.user))
    advances = list(invoice_read.advance_list_for_provider_admin(user=request.user))
    providers = {invoice.provider_id for invoice in invoices} | {a.provider_id for a in advances}
    return render(
        request,
        "billing/provider_invoice_list.html",
        {
            "invoices": invoices,
            "advances": advances,
            "advance_debt": sum(a.outstanding for a in advances),
            "several_providers": len(providers) > 1,
        },
    )


@role_required(Role.PROVIDER)
def provider_invoice_document(
    request: AuthenticatedHttpRequest, pk: int, kind: str
) -> HttpResponse:
    invoice = invoice_read.invoice_get_for_provider_admin(user=request.user, pk=pk)
    return _download(invoice_read.invoice_document_get(invoice=invoice, kind=kind))


@role_required(Role.OPERATOR, Role.REGIONAL_ADMIN)
def operator_invoice_document(
    request: AuthenticatedHttpRequest, pk: int, kind: str
) -> HttpResponse:
    invoice = invoice_read.invoice_get_for_operator(user=request.user, pk=pk)
    return _download(invoice_read.invoice_document_get(invoice=invoice, kind=kind))
