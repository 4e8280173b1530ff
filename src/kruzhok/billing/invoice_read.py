"""Invoice reads, scoped to the reader: a provider's administrators see their provider's
invoices, an operator those of their municipality, a regional administrator every one.

Every `*_get_for_*` raises Http404 for an invoice outside the reader's reach, so nobody learns
that another provider's or municipality's invoice exists; a provider's teacher, who may see the
provider but not its money, gets PermissionDenied (403).
"""

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.http import Http404

from kruzhok.accounts.models import Role, User
from kruzhok.billing.documents import DOCUMENT_KINDS
from kruzhok.billing.models import Advance, Invoice, InvoiceDocument, InvoicePayment
from kruzhok.providers.models import StaffRole
from kruzhok.providers.selectors import provider_get_for_staff


def invoice_documents_prefetch() -> Prefetch:
    """The invoice's documents without their bytes, in the order they are listed: what the
    `billing/_invoice_documents.html` include reads from `invoice.documents.all`."""
    order = Case(
        *(When(kind=kind, then=Value(n)) for n, kind in enumerate(DOCUMENT_KINDS)),
        output_field=IntegerField(),
    )
    return Prefetch(
        "documents",
        queryset=InvoiceDocument.objects.defer("content").order_by(order, "pk"),
    )


def _listed(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    return (
        invoices.select_related("closure", "provider")
        .prefetch_related(
            invoice_documents_prefetch(),
            Prefetch("payments", queryset=InvoicePayment.objects.select_related("reversal")),
        )
        .order_by("-closure__month", "provider__short_name", "-number", "pk")
    )


# Providers -----------------------------------------------------------------------------------


def invoice_list_for_provider_admin(*, user: User) -> QuerySet[Invoice]:
    """Invoices of the providers the user administers today, newest month first."""
    administered = user.provider_roles.filter(role=StaffRole.ADMIN).values("provider_id")
    return _listed(Invoice.objects.filter(provider_id__in=administered))


def advance_list_for_provider_admin(*, user: User) -> QuerySet[Advance]:
    """Advances paid to the providers the user administers today, newest month first."""
    administered = user.provider_roles.filter(role=StaffRole.ADMIN).values("provider_id")
    return (
        Advance.objects.filter(provider_id__in=administered)
        .select_related("provider", "municipality")
        .order_by("-month", "provider__short_name")
    )


def invoice_get_for_provider_admin(*, user: User, pk: int) -> Invoice:
    """The invoice, if the user administers its provider today.

    Http404 when the invoice is missing or belongs to a provider the user does not work for;
    PermissionDenied when they work there, but not as its administrator.
    """
    invoice = Invoice.objects.select_related("provider").filter(pk=pk).first()
    if invoice is None:
        raise Http404("Счёт не найден")
    provider_get_for_staff(user=user, pk=invoice.provider_id).admin_required()
    return invoice


# Operators -----------------------------------------------------------------------------------


def _operator_scope(user: User) -> Q:
    """The invoices of the municipalities the user operates: their own for a municipal
    operator, all for a regional administrator, none for anyone else."""
    if user.role == Role.REGIONAL_ADMIN:
        return Q()
    if user.role == Role.OPERATOR and user.municipality_id is not None:
        return Q(closure__municipality_id=user.municipality_id)
    return Q(pk__in=[])


def invoice_list_for_operator(*, user: User) -> QuerySet[Invoice]:
    """Invoices of the operator's municipality (every municipality for a regional
    administrator), with their documents listed, newest month first."""
    return _listed(Invoice.objects.filter(_operator_scope(user)))


def invoice_get_for_operator(*, user: User, pk: int) -> Invoice:
    invoice = Invoice.objects.filter(_operator_scope(user), pk=pk).first()
    if invoice is None:
        raise Http404("Счёт не найден")
    return invoice


# Documents -----------------------------------------------------------------------------------


def invoice_document_get(*, invoice: Invoice, kind: str) -> InvoiceDocument:
    """The stored document of the invoice, bytes included; Http404 for an unknown kind or a
    document that was never issued."""
    document = InvoiceDocument.objects.filter(invoice=invoice, kind=kind).first()
    if document is None:
        raise Http404("Документ не найден")
    return document
