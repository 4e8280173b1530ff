import hashlib
import html
import io
import re
import shutil
import subprocess
import zipfile
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook

from kruzhok.billing.documents import (
    DOCUMENT_KINDS,
    InvoiceDocumentError,
    invoice_document_context,
    invoice_document_html,
    invoice_documents_issue,
)
from kruzhok.billing.models import InvoiceDocument, InvoiceDocumentKind, InvoiceLine
from kruzhok.billing.tests.invoices import (
    HAND_LINES,
    HAND_TOTALS,
    PAYER,
    SEPTEMBER,
    Line,
    invoice_make,
    payer_details_set,
)
from kruzhok.common.models import AuditEvent
from kruzhok.common.money import NBSP

pytestmark = pytest.mark.django_db

INVOICE, ACT, XLSX = DOCUMENT_KINDS


class _Rows(HTMLParser):
    """The text of each row of the table with the given class."""

    def __init__(self, table_class: str) -> None:
        super().__init__()
        self.table_class = table_class
        self.depth = 0  # > 0 inside the table
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            if self.depth or self.table_class in (dict(attrs).get("class") or "").split():
                self.depth += 1
        elif self.depth and tag == "tr":
            self.rows.append([])
        elif self.depth and tag in ("td", "th"):
            self.cell = []
        elif self.cell is not None and tag in ("div", "br"):
            self.cell.append(" ")  # a line of its own in the cell

    def handle_endtag(self, tag):
        if tag == "table" and self.depth:
            self.depth -= 1
        elif self.depth and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(_squeeze("".join(self.cell)))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def _squeeze(text: str) -> str:
    return " ".join(text.replace(NBSP, " ").split())


def _rows(page: str, table_class: str) -> list[list[str]]:
    parser = _Rows(table_class)
    parser.feed(page)
    return parser.rows


def _text(page: str) -> str:
    body = page.split("<body>", 1)[1]
    return _squeeze(html.unescape(re.sub(r"<[^>]+>", " ", body)))


def _rub(kopecks: int) -> str:
    rubles, rest = divmod(kopecks, 100)
    return f"{rubles:,}".replace(",", " ") + f",{rest:02d} ₽"


@pytest.fixture
def invoice(world):
    payer_details_set(world.municipality)
    return invoice_make(world)


@pytest.fixture
def pages(invoice):
    context = invoice_document_context(invoice=invoice)
    return {kind: invoice_document_html(context=context, kind=kind) for kind in (INVOICE, ACT)}


def _expected_line_rows(invoice):
    numbers = list(
        InvoiceLine.objects.filter(invoice=invoice)
        .order_by("program_title", "group_name", "child_initials")
        .values_list("contract_number", flat=True)
    )
    return [
        [
            str(n),
            number,
            line.child,
            line.program,
            line.group,
            str(line.planned),
            str(line.attended),
            _rub(line.certificate),
            _rub(line.parent),
        ]
        for n, (number, line) in enumerate(zip(numbers, HAND_LINES, strict=True), start=1)
    ]


def test_the_hand_computed_figures_are_what_the_example_needs():
    assert sum(line.certificate for line in HAND_LINES) == HAND_TOTALS["certificate"] == 120_000
    assert sum(line.parent for line in HAND_LINES) == HAND_TOTALS["parent"] == 17_400
    assert sum(line.planned for line in HAND_LINES) == HAND_TOTALS["planned"] == 22
    assert sum(line.attended for line in HAND_LINES) == HAND_TOTALS["attended"] == 16
    assert _rub(123_456_789) == "1 234 567,89 ₽"


@pytest.mark.parametrize("kind", [INVOICE, ACT])
def test_each_line_and_the_totals_are_printed_as_computed_by_hand(invoice, pages, kind):
    rows = _rows(pages[kind], "lines")
    header = [
        "№ п/п",
        "Договор",
        "Ребёнок",
        "Программа",
        "Группа",
        "Занятий по расписанию",
        "Посещено",
        "За счёт сертификата",
        "Доплата родителя",
    ]
    assert rows[0] == header
    assert rows[1:-1] == _expected_line_rows(invoice)
    assert rows[-1] == ["Итого", "22", "16", "1 200,00 ₽", "174,00 ₽"]
    assert _rows(pages[kind], "sums") == [
        ["Итого:", "1 200,00 ₽"],
        ["НДС:", "Без НДС"],
        ["Всего к оплате:", "1 200,00 ₽"],
    ]
    text = _text(pages[kind])
    assert "Всего к оплате: Одна тысяча двести рублей 00 копеек" in text
    assert "НДС не облагается" in text
    assert "за октябрь 2026" in text
    assert "Доплата родителей по договорам (174,00 ₽)" in text


def test_the_invoice_has_its_number_date_and_the_act_it_goes_with(pages):
    text = _text(pages[INVOICE])
    assert "Счёт на оплату № 12 от 06.11.2026" in text
    assert "акт об оказанных услугах № 7 от 06.11.2026" in text
    assert "Всего наименований 3, посещено занятий 16, на сумму 1 200,00 ₽" in text
    assert "3 договора" in text


def test_the_act_spells_the_total_as_the_issue_does(pages):
    text = _text(pages[ACT])
    assert "Акт об оказанных услугах № 7 от 06.11.2026" in text
    assert "к счёту на оплату № 12 от 06.11.2026" in text
    assert (
        "Всего оказано услуг на сумму 1 200,00 ₽ (одна тысяча двести рублей 00 копеек), без НДС"
        in text
    )
    assert "Заказчик претензий по объёму, качеству и срокам оказания услуг не имеет" in text


@pytest.mark.parametrize("kind", [INVOICE, ACT])
def test_both_parties_details_are_printed_and_a_missing_one_says_so(world, pages, kind):
    provider, payer = _rows(pages[kind], "parties")[0]
    p = world.provider
    assert provider == (
        f"Исполнитель {p.full_name} ИНН {p.inn}, КПП не указано ОГРН {p.ogrn} "
        f"Адрес: {p.address} Банк: не указано БИК не указано Расчётный счёт: не указано "
        "Корр. счёт: не указано"
    )
    assert payer == (
        f"Заказчик (плательщик) {PAYER['payer_name']} ИНН {PAYER['payer_inn']}, "
        f"КПП {PAYER['payer_kpp']} ОГРН {PAYER['payer_ogrn']} "
        f"Адрес: {PAYER['payer_address']} Банк: {PAYER['payer_bank_name']} "
        f"БИК {PAYER['payer_bik']} Казначейский счёт: {PAYER['payer_account']} "
        f"Корр. счёт (ЕКС): {PAYER['payer_correspondent_account']}"
    )


def test_a_provider_with_bank_details_and_a_payer_without_any(world):
    world.provider.bank_name = "ПАО Сбербанк"
    world.provider.bik = "040702615"
    world.provider.settlement_account = "40703810060100000017"
    world.provider.correspondent_account = "30101810907020000615"
    world.provider.save()
    invoice = invoice_make(world)  # the world's municipality has no payer details
    page = invoice_document_html(context=invoice_document_context(invoice=invoice), kind=ACT)
    provider, payer = _rows(page, "parties")[0]
    assert (
        "Банк: ПАО Сбербанк БИК 040702615 Расчётный счёт: 40703810060100000017 "
        "Корр. счёт: 30101810907020000615"
    ) in provider
    assert payer == (
        "Заказчик (плательщик) не указано ИНН не указано, КПП не указано ОГРН не указано "
        "Адрес: не указано Банк: не указано БИК не указано Казначейский счёт: не указано "
        "Корр. счёт (ЕКС): не указано"
    )


def test_user_text_is_escaped_in_the_documents(world):
    invoice = invoice_make(
        world, lines=(Line("<b>Тест</b>", "Роботы & <script>", "Группа", 1, 1, 100, 0),)
    )
    page = invoice_document_html(context=invoice_document_context(invoice=invoice), kind=INVOICE)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert _rows(page, "lines")[1][2:4] == ["<b>Тест</b>", "Роботы & <script>"]


def _pages(invoice):
    context = invoice_document_context(invoice=invoice)
    return {kind: invoice_document_html(context=context, kind=kind) for kind in (INVOICE, ACT)}


def test_a_correction_line_names_the_month_it_corrects_and_counts_with_its_sign(world):
    contracts_lines = (
        Line("Андреев И. П.", "Робототехника", "Группа 1", 9, 8, 60_000, 12_345),
        # A mark of September made after its close, and one taken back (negative).
        Line("Борисова А. С.", "Робототехника", "Группа 1", 0, 2, 15_000, 0, SEPTEMBER),
        Line("Андреев И. П.", "Робототехника", "Группа 1", 0, -1, -7_500, -1_543, SEPTEMBER),
    )
    invoice = invoice_make(world, lines=contracts_lines)
    pages = _pages(invoice)
    for kind in (INVOICE, ACT):
        rows = _rows(pages[kind], "lines")
        assert rows[-1] == ["Итого", "9", "9", "675,00 ₽", "108,02 ₽"]
        assert [row[2:] for row in rows[1:-1]] == [
            ["Андреев И. П.", "Робототехника", "Группа 1", "9", "8", "600,00 ₽", "123,45 ₽"],
            [
                "Андреев И. П.",
                "Робототехника корректировка за сентябрь 2026",
                "Группа 1",
                "—",
                "-1",
                "−75,00 ₽",
                "−15,43 ₽",
            ],
            [
                "Борисова А. С.",
                "Робототехника корректировка за сентябрь 2026",
                "Группа 1",
                "—",
                "2",
                "150,00 ₽",
                "0,00 ₽",
            ],
        ]
        assert _rows(pages[kind], "sums")[-1] == ["Всего к оплате:", "675,00 ₽"]
        text = _text(pages[kind])
        assert "Всего к оплате: Шестьсот семьдесят пять рублей 00 копеек" in text
        assert "Корректировка — изменение посещаемости за прошлый, уже закрытый месяц" in text
    assert "на сумму 675,00 ₽ (шестьсот семьдесят пять рублей 00 копеек)" in _text(pages[ACT])


def test_corrections_below_zero_are_due_nothing_and_say_what_the_provider_returns(world):
    invoice = invoice_make(
        world,
        lines=(Line("Андреев И. П.", "Шахматы", "Группа 2", 0, -2, -15_000, -3_000, SEPTEMBER),),
    )
    pages = _pages(invoice)
    for kind in (INVOICE, ACT):
        assert _rows(pages[kind], "sums") == [
            ["Итого:", "−150,00 ₽"],
            ["НДС:", "Без НДС"],
            ["Всего к оплате:", "0,00 ₽"],
        ]
        text = _text(pages[kind])
        assert "Всего к оплате: Ноль рублей 00 копеек" in text
        assert "исполнитель возвращает 150,00 ₽ (сто пятьдесят рублей 00 копеек)" in text
    assert "сумма по акту отрицательная: −150,00 ₽" in _text(pages[ACT])
    assert "Всего оказано услуг" not in _text(pages[ACT])
    documents = invoice_documents_issue(invoice=invoice)
    ws = load_workbook(io.BytesIO(bytes(documents[2].content))).active
    assert [_kopecks(ws["H7"].value), ws["J7"].value, ws["F7"].value] == [
        -15_000,
        "сентябрь 2026",
        None,
    ]
    notes = [ws.cell(row=row, column=1).value for row in (10, 11, 12)]
    assert notes[0].startswith(f"Всего к оплате: 0,00{NBSP}₽ (ноль рублей 00 копеек)")
    assert "исполнитель возвращает 150,00" in notes[1].replace(NBSP, " ")


def test_issuing_stores_three_documents_with_their_digests(invoice):
    documents = invoice_documents_issue(invoice=invoice)
    assert [d.kind for d in documents] == list(DOCUMENT_KINDS)
    assert [d.filename for d in documents] == [
        "schet-12-2026-10.pdf",
        "akt-7-2026-10.pdf",
        "schet-12-2026-10.xlsx",
    ]
    for stored in InvoiceDocument.objects.filter(invoice=invoice):
        content = bytes(stored.content)
        assert stored.sha256 == hashlib.sha256(content).hexdigest()
        if stored.kind == XLSX:
            assert zipfile.is_zipfile(io.BytesIO(content))
        else:
            assert content.startswith(b"%PDF-")
    event = AuditEvent.objects.get(action="invoice_documents_issue")
    assert event.object_id == str(invoice.pk)
    assert event.details == {d.kind: d.sha256 for d in documents}


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
def test_the_stored_pdfs_print_every_figure(invoice):
    # The tests above read the HTML WeasyPrint lays out (no PDF reader is a dependency); where
    # poppler's pdftotext is installed, this one reads the stored PDFs themselves.
    stored = {d.kind: bytes(d.content) for d in invoice_documents_issue(invoice=invoice)}
    for kind in (INVOICE, ACT):
        text = _squeeze(
            subprocess.run(
                ["pdftotext", "-layout", "-", "-"],
                input=stored[kind],
                capture_output=True,
                check=True,
            ).stdout.decode()
        )
        for row in _expected_line_rows(invoice):
            assert " ".join(row) in text
        assert "Итого 22 16 1 200,00 ₽ 174,00 ₽" in text
        assert "Всего к оплате: Одна тысяча двести рублей 00 копеек" in text
        assert "Без НДС" in text and "за октябрь 2026" in text
    assert "(одна тысяча двести рублей 00 копеек)" in _squeeze(
        subprocess.run(
            ["pdftotext", "-", "-"], input=stored[ACT], capture_output=True, check=True
        ).stdout.decode()
    )


def test_a_second_call_returns_the_stored_documents_unchanged(world, invoice):
    first = {d.kind: (d.pk, d.sha256) for d in invoice_documents_issue(invoice=invoice)}
    # Whatever changes afterwards, an issued document is never rendered again.
    world.provider.full_name = "Переименованная организация"
    world.provider.save()
    InvoiceLine.objects.filter(invoice=invoice).update(program_title="Другая программа")
    again = invoice_documents_issue(invoice=invoice)
    assert {d.kind: (d.pk, d.sha256) for d in again} == first
    assert InvoiceDocument.objects.filter(invoice=invoice).count() == 3
    assert AuditEvent.objects.filter(action="invoice_documents_issue").count() == 1
    for document in again:
        assert hashlib.sha256(bytes(document.content)).hexdigest() == first[document.kind][1]


def test_only_a_missing_document_is_issued(invoice):
    documents = {d.kind: d for d in invoice_documents_issue(invoice=invoice)}
    InvoiceDocument.objects.filter(pk=documents[ACT].pk).delete()
    again = {d.kind: d for d in invoice_documents_issue(invoice=invoice)}
    for kind in (INVOICE, XLSX):
        assert (again[kind].pk, again[kind].sha256) == (documents[kind].pk, documents[kind].sha256)
    assert again[ACT].pk != documents[ACT].pk
    assert bytes(again[ACT].content).startswith(b"%PDF-")


def test_lines_that_do_not_add_up_issue_nothing(invoice):
    InvoiceLine.objects.filter(invoice=invoice, child_initials="Андреев И. П.").update(
        certificate_amount=60_001
    )
    with pytest.raises(InvoiceDocumentError, match="не сходятся"):
        invoice_documents_issue(invoice=invoice)
    assert not InvoiceDocument.objects.exists()


def _sheet(invoice):
    invoice_documents_issue(invoice=invoice)
    stored = InvoiceDocument.objects.get(invoice=invoice, kind=InvoiceDocumentKind.LINES_XLSX)
    return bytes(stored.content), load_workbook(io.BytesIO(bytes(stored.content))).active


def _kopecks(value) -> int:
    return round(value * 100)


def test_the_workbook_has_one_row_per_line_and_the_totals(invoice):
    _, ws = _sheet(invoice)
    assert ws["A1"].value == "Счёт на оплату № 12 от 06.11.2026 за октябрь 2026"
    rows = list(ws.iter_rows(min_row=6, values_only=True))
    assert list(rows[0]) == [
        "№ п/п",
        "Договор",
        "Ребёнок",
        "Программа",
        "Группа",
        "Занятий по расписанию",
        "Посещено",
        "За счёт сертификата",
        "Доплата родителя",
        "Корректировка за месяц",
    ]
    expected = _expected_line_rows(invoice)
    for row, want in zip(rows[1:4], expected, strict=True):
        assert [str(v) for v in row[:7]] == want[:7]
        assert [_kopecks(row[7]), _kopecks(row[8])] == [
            line.certificate for line in HAND_LINES if line.child == want[2]
        ] + [line.parent for line in HAND_LINES if line.child == want[2]]
    total = rows[4]
    assert total[0] == "Итого"
    assert total[5:7] == (22, 16)
    assert [_kopecks(total[7]), _kopecks(total[8])] == [120_000, 17_400]
    assert (
        ws.cell(row=12, column=1).value
        == f"Всего к оплате: 1{NBSP}200,00{NBSP}₽ (одна тысяча двести рублей 00 копеек), без НДС"
    )


@pytest.mark.parametrize(
    "title", ['=HYPERLINK("http://example.com";"Шахматы")', "+7 Шахматы", "-1", "@SUM(A1)"]
)
def test_a_title_that_looks_like_a_formula_stays_text_in_the_workbook(world, title):
    invoice = invoice_make(world, lines=(Line("=Иванов", title, "@группа", 4, 4, 100, 0),))
    content, ws = _sheet(invoice)
    for cell, text in ((ws["D7"], title), (ws["C7"], "=Иванов"), (ws["E7"], "@группа")):
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
    sheet_xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml and b"<f " not in sheet_xml
