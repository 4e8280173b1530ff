import hashlib

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from kruzhok.accounts.models import Role
from kruzhok.billing.invoice_read import invoice_list_for_operator
from kruzhok.billing.models import InvoiceDocument, InvoiceDocumentKind, InvoiceStatus
from kruzhok.billing.tests.invoices import SEPTEMBER, Line, closure_make, invoice_make
from kruzhok.common.models import Municipality
from kruzhok.common.xlsx import XLSX_CONTENT_TYPE
from kruzhok.enrollment.tests.world import provider_make, user_make
from kruzhok.providers.models import ProviderStaff, StaffRole

pytestmark = pytest.mark.django_db

INVOICE, ACT, XLSX = (
    InvoiceDocumentKind.INVOICE_PDF,
    InvoiceDocumentKind.ACT_PDF,
    InvoiceDocumentKind.LINES_XLSX,
)
# Bytes no renderer would produce: a download that serves them was not rendered again.
STORED = {
    INVOICE: ("schet-12-2026-10.pdf", b"%PDF-1.7 stored invoice"),
    ACT: ("akt-7-2026-10.pdf", b"%PDF-1.7 stored act"),
    XLSX: ("schet-12-2026-10.xlsx", b"PK stored workbook"),
}
ONE_LINE = (Line("Андреев И. П.", "Робототехника", "Группа 1", 9, 8, 120_000, 1_000),)


def documents_store(invoice):
    for kind, (filename, content) in STORED.items():
        InvoiceDocument.objects.create(
            invoice=invoice,
            kind=kind,
            filename=filename,
            content=content,
            sha256=hashlib.sha256(content).hexdigest(),
        )


@pytest.fixture
def invoice(world):
    invoice = invoice_make(world, lines=ONE_LINE)
    documents_store(invoice)
    return invoice


def _provider_url(invoice, kind=INVOICE):
    return reverse("provider:invoice_document", args=[invoice.pk, kind])


def _operator_url(invoice, kind=INVOICE):
    return reverse("operator:invoice_document", args=[invoice.pk, kind])


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_the_urls_are_where_people_expect_them(invoice):
    assert reverse("provider:invoices") == "/provider/invoices/"
    assert _provider_url(invoice) == f"/provider/invoices/{invoice.pk}/documents/invoice_pdf/"
    assert _operator_url(invoice, ACT) == f"/operator/invoices/{invoice.pk}/documents/act_pdf/"


@pytest.mark.parametrize(
    ("kind", "content_type"),
    [(INVOICE, "application/pdf"), (ACT, "application/pdf"), (XLSX, XLSX_CONTENT_TYPE)],
)
def test_the_provider_admin_downloads_each_document_as_it_was_stored(
    client, world, invoice, kind, content_type
):
    response = _get(client, world.admin, _provider_url(invoice, kind))
    filename, content = STORED[kind]
    assert response.status_code == 200
    assert response.content == content
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_the_operator_of_the_municipality_and_a_regional_admin_download(client, world, invoice):
    for user in (
        user_make(Role.OPERATOR, world.municipality),
        user_make(Role.REGIONAL_ADMIN),
    ):
        response = _get(client, user, _operator_url(invoice, ACT))
        assert response.status_code == 200
        assert response.content == STORED[ACT][1]
        assert response["Content-Disposition"] == 'attachment; filename="akt-7-2026-10.pdf"'


def test_another_providers_admin_gets_404(client, world, invoice):
    _, other_admin, _ = provider_make(world.municipality)
    assert _get(client, other_admin, _provider_url(invoice)).status_code == 404
    nobody = user_make(Role.PROVIDER)  # a provider's role, no provider
    assert _get(client, nobody, _provider_url(invoice)).status_code == 404


def test_a_former_admin_gets_404(client, world, invoice):
    ProviderStaff.objects.filter(provider=world.provider, user=world.admin).delete()
    assert _get(client, world.admin, _provider_url(invoice)).status_code == 404


def test_the_providers_teacher_gets_403(client, world, invoice):
    assert _get(client, world.teacher, _provider_url(invoice)).status_code == 403
    assert _get(client, world.teacher, reverse("provider:invoices")).status_code == 403


def test_the_wrong_role_gets_403(client, world, invoice):
    operator = user_make(Role.OPERATOR, world.municipality)
    for user, url in (
        (world.parent, _provider_url(invoice)),
        (world.parent, _operator_url(invoice)),
        (world.parent, reverse("provider:invoices")),
        (world.admin, _operator_url(invoice)),
        (operator, _provider_url(invoice)),
    ):
        assert _get(client, user, url).status_code == 403, (user.role, url)


def test_an_operator_of_another_municipality_gets_404(client, invoice):
    elsewhere = Municipality.objects.create(name="Соседний округ")
    operator = user_make(Role.OPERATOR, elsewhere)
    assert _get(client, operator, _operator_url(invoice)).status_code == 404
    assert _get(client, user_make(Role.OPERATOR), _operator_url(invoice)).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, invoice):
    for url in (_provider_url(invoice), _operator_url(invoice), reverse("provider:invoices")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_an_unknown_kind_or_a_missing_invoice_is_404(client, world, invoice):
    assert _get(client, world.admin, _provider_url(invoice, "contract_pdf")).status_code == 404
    InvoiceDocument.objects.filter(invoice=invoice, kind=XLSX).delete()
    assert _get(client, world.admin, _provider_url(invoice, XLSX)).status_code == 404
    url = reverse("provider:invoice_document", args=[invoice.pk + 1000, INVOICE])
    assert _get(client, world.admin, url).status_code == 404


def test_the_invoice_list_shows_the_admins_invoices_with_their_downloads(client, world, invoice):
    other, _, _ = provider_make(world.municipality)
    foreign = invoice_make(world, lines=ONE_LINE, provider=other, closure=invoice.closure)
    documents_store(foreign)
    invoice.status = InvoiceStatus.APPROVED
    invoice.save()
    page = _get(client, world.admin, reverse("provider:invoices")).content.decode()
    assert "Октябрь 2026" in page
    assert "Счёт № 12 от 06.11.2026, акт № 7" in page
    assert "1\u00a0200,00\u00a0₽" in page and "10,00\u00a0₽" in page
    assert "Утверждён к оплате" in page
    for kind in (INVOICE, ACT, XLSX):
        assert f'href="{_provider_url(invoice, kind)}"' in page
        assert _provider_url(foreign, kind) not in page
    assert "Счёт на оплату (PDF)" in page and "Строки счёта (XLSX)" in page


def test_the_invoice_list_lists_each_provider_the_user_administers(client, world, invoice):
    second, _, _ = provider_make(world.municipality)
    ProviderStaff.objects.create(provider=second, user=world.admin, role=StaffRole.ADMIN)
    theirs = invoice_make(world, lines=ONE_LINE, provider=second, closure=invoice.closure, number=3)
    page = _get(client, world.admin, reverse("provider:invoices")).content.decode()
    assert second.short_name in page and world.provider.short_name in page
    assert "Счёт № 3 от" in page
    assert "Документы счёта ещё не сформированы." in page  # `theirs` has none stored
    assert theirs.documents.count() == 0


def test_an_invoice_of_corrections_below_zero_says_it_is_to_be_returned(client, world):
    invoice_make(
        world,
        lines=(Line("Андреев И. П.", "Шахматы", "Группа", 0, -1, -7_500, 0, SEPTEMBER),),
    )
    page = _get(client, world.admin, reverse("provider:invoices")).content.decode()
    assert "Корректировки больше начислений: к возврату" in page
    assert "−75,00\u00a0₽" in page
    assert "К оплате за счёт сертификатов" not in page


def test_the_invoice_list_says_when_there_are_none(client, world):
    page = _get(client, world.admin, reverse("provider:invoices")).content.decode()
    assert "Счетов пока нет" in page


def test_the_cabinet_links_the_invoices_for_admins_only(client, world):
    invoices = f'href="{reverse("provider:invoices")}"'
    assert invoices in _get(client, world.admin, reverse("provider:home")).content.decode()
    assert invoices not in _get(client, world.teacher, reverse("provider:home")).content.decode()


def test_the_include_links_the_operators_downloads(world, invoice):
    operator = user_make(Role.OPERATOR, world.municipality)
    listed = invoice_list_for_operator(user=operator).get(pk=invoice.pk)
    html = render_to_string(
        "billing/_invoice_documents.html", {"invoice": listed, "operator": True}
    )
    links = [_operator_url(invoice, kind) for kind in (INVOICE, ACT, XLSX)]
    positions = [html.index(f'href="{link}"') for link in links]
    assert positions == sorted(positions)  # the invoice, the act, the workbook
    assert "/provider/" not in html


def test_an_operator_lists_the_invoices_of_their_municipality_only(world, invoice):
    elsewhere = Municipality.objects.create(name="Соседний округ")
    foreign = invoice_make(world, lines=ONE_LINE, closure=closure_make(elsewhere), number=1)
    operator = user_make(Role.OPERATOR, world.municipality)
    assert list(invoice_list_for_operator(user=operator)) == [invoice]
    assert set(invoice_list_for_operator(user=user_make(Role.REGIONAL_ADMIN))) == {
        invoice,
        foreign,
    }
    for nobody in (user_make(Role.OPERATOR), world.admin, world.parent):
        assert not invoice_list_for_operator(user=nobody).exists()
