"""1CClientBankExchange: a registry of payment orders out, a bank statement back in."""

import dataclasses
import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kruzhok.common.bank_exchange import (
    MAX_STATEMENT_BYTES,
    MAX_STATEMENT_DOCUMENTS,
    BankDetails,
    PaymentOrder,
    payment_orders_export,
    payment_purpose,
    statement_parse,
)

GOLDEN = Path(__file__).parent / "golden" / "payment_orders.txt"
MOSCOW = ZoneInfo("Europe/Moscow")
DAY = datetime.date(2026, 11, 5)
OCTOBER = datetime.date(2026, 10, 1)

MUNICIPALITY = BankDetails(
    name="Управление образования администрации города Кружково",
    inn="2614000013",
    kpp="261401001",
    account="03232643070000001500",
    bank_name="ОТДЕЛЕНИЕ КРУЖКОВО БАНКА РОССИИ//УФК по Кружковской области г. Кружково",
    bik="010700101",
    correspondent_account="40102810300000000001",
)
CHESS_CLUB = BankDetails(
    name="ООО «Шахматный клуб „Ладья“»",
    inn="2615012340",
    kpp="261501001",
    account="40702810000000000012",
    bank_name="АО «Банк Пример» г. Кружково",
    bik="040700001",
    correspondent_account="30101810000000000001",
)
ENTREPRENEUR = BankDetails(
    name="ИП Соколова Анна Игоревна",
    inn="261400001244",
    kpp="",  # an entrepreneur has no КПП
    account="40802810000000000034",
    bank_name="ПАО «Банк Пример-2»",
    bik="040700002",
    correspondent_account="30101810000000000002",
)


def _registry() -> list[PaymentOrder]:
    return [
        PaymentOrder(
            number="101",
            date=DAY,
            amount_kopecks=120_000,
            payer=MUNICIPALITY,
            payee=CHESS_CLUB,
            purpose=payment_purpose("12", DAY, OCTOBER),
        ),
        PaymentOrder(
            number="102",
            date=DAY,
            amount_kopecks=34_567_891,
            payer=MUNICIPALITY,
            payee=ENTREPRENEUR,
            purpose=payment_purpose("7", datetime.date(2026, 11, 3), OCTOBER),
        ),
    ]


def _export(orders: list[PaymentOrder] | None = None, **overrides) -> bytes:
    arguments = {
        "orders": _registry() if orders is None else orders,
        "sender": "Кружок",
        "created_at": datetime.datetime(2026, 11, 5, 10, 30, tzinfo=MOSCOW),
        "period_start": datetime.date(2026, 11, 1),
        "period_end": datetime.date(2026, 11, 30),
    }
    return payment_orders_export(**(arguments | overrides))


def _statement(*lines: str, end: str = "\n", encoding: str = "cp1251") -> bytes:
    return end.join(lines).encode(encoding)


def _document(*fields: str) -> tuple[str, ...]:
    return ("СекцияДокумент=Платежное поручение", *fields, "КонецДокумента")


HEADER = ("1CClientBankExchange", "ВерсияФормата=1.03", "Кодировка=Windows")
MINIMAL = ("Номер=1", "Дата=05.11.2026", "Сумма=10.00")


# --- The purpose ---------------------------------------------------------------------------


def test_payment_purpose_names_the_invoice_the_month_and_no_vat():
    assert (
        payment_purpose("12", datetime.date(2026, 11, 5), datetime.date(2026, 10, 17))
        == "Оплата по счёту № 12 от 05.11.2026 за октябрь 2026 (ПФДО). Без НДС"
    )


# --- The export ----------------------------------------------------------------------------


def test_registry_of_two_payments_matches_the_golden_file_byte_for_byte():
    assert _export() == GOLDEN.read_bytes()


def test_export_is_windows_1251_with_crlf_line_ends():
    data = _export()
    assert data.count(b"\r\n") == data.count(b"\n") == data.count(b"\r")
    assert data.endswith(b"\r\n")
    text = data.decode("cp1251")
    assert text.startswith("1CClientBankExchange\r\n")
    assert text.endswith("\r\nКонецФайла\r\n")
    assert "«Шахматный клуб „Ладья“»".encode("cp1251") in data
    assert "№ 12".encode("cp1251") in data
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")


def test_export_writes_rubles_with_a_dot_and_two_decimals():
    orders = [dataclasses.replace(_registry()[0], amount_kopecks=kopecks) for kopecks in [1]]
    orders += [dataclasses.replace(_registry()[1], amount_kopecks=100_000_000_000)]
    lines = _export(orders).decode("cp1251").split("\r\n")
    assert [line for line in lines if line.startswith("Сумма=")] == [
        "Сумма=0.01",
        "Сумма=1000000000.00",
    ]


def test_export_writes_an_aware_creation_time_in_moscow_time():
    created_at = datetime.datetime(2026, 11, 5, 21, 15, 7, tzinfo=datetime.UTC)
    text = _export(created_at=created_at).decode("cp1251")
    assert "\r\nДатаСоздания=06.11.2026\r\nВремяСоздания=00:15:07\r\n" in text


def test_export_names_each_account_paid_from_once_in_the_header():
    second_account = dataclasses.replace(MUNICIPALITY, account="03232643070000001600")
    orders = [*_registry(), dataclasses.replace(_registry()[0], number="103", payer=second_account)]
    lines = _export(orders).decode("cp1251").split("\r\n")
    assert [line for line in lines if line.startswith("РасчСчет=")] == [
        "РасчСчет=03232643070000001500",
        "РасчСчет=03232643070000001600",
    ]


def test_a_line_break_in_a_value_cannot_add_a_line_to_the_file():
    order = dataclasses.replace(
        _registry()[0],
        purpose="Оплата\r\nСумма=1000000.00\nКонецДокумента\tза\u2028октябрь",
        payee=dataclasses.replace(CHESS_CLUB, name="ООО\r\n«Ладья»\u00a0\u200b "),
    )
    data = _export([order])
    lines = data.decode("cp1251").split("\r\n")
    assert [line for line in lines if line.startswith("Сумма=")] == ["Сумма=1200.00"]
    assert lines.count("КонецДокумента") == 1
    assert "НазначениеПлатежа=Оплата Сумма=1000000.00 КонецДокумента за октябрь" in lines
    assert "Получатель=ООО «Ладья»" in lines
    [entry] = statement_parse(data)
    assert entry.amount_kopecks == 120_000
    assert entry.purpose == "Оплата Сумма=1000000.00 КонецДокумента за октябрь"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"payee": dataclasses.replace(CHESS_CLUB, name="Клуб 🏆")},
            r"Платёжное поручение № 101, поле «Получатель» \(payee\.name\): символ «🏆» "
            r"\(U\+1F3C6\) нельзя записать в кодировке Windows-1251",
        ),
        (
            {"purpose": "Оплата 1 200 ₽"},
            r"№ 101, поле «НазначениеПлатежа» \(purpose\): символ «₽» \(U\+20BD\)",
        ),
        ({"purpose": " \n "}, r"№ 101, поле «НазначениеПлатежа» \(purpose\): пустое"),
        ({"purpose": "а" * 211}, r"«НазначениеПлатежа» \(purpose\): длиннее 210 символов"),
        (
            {"payer": dataclasses.replace(MUNICIPALITY, name="У" * 161)},
            r"«Плательщик» \(payer\.name\): длиннее 160 символов",
        ),
        (
            {"payee": dataclasses.replace(CHESS_CLUB, inn="26150123")},
            r"«ПолучательИНН» \(payee\.inn\): ИНН — 10 цифр у организации или 12 "
            r"у предпринимателя, а не «26150123»",
        ),
        (
            {"payee": dataclasses.replace(CHESS_CLUB, kpp="2615 01001")},
            r"«ПолучательКПП» \(payee\.kpp\): КПП — 9 знаков",
        ),
        (
            {"payer": dataclasses.replace(MUNICIPALITY, account="0323264307000000150")},
            r"«ПлательщикСчет» \(payer\.account\): счёт — 20 цифр",
        ),
        (
            {"payee": dataclasses.replace(CHESS_CLUB, bik="04070000\n1")},
            r"«ПолучательБИК» \(payee\.bik\): БИК — 9 цифр, а не «04070000 1»",
        ),
        (
            {"payee": dataclasses.replace(CHESS_CLUB, correspondent_account="")},
            r"«ПолучательКорсчет» \(payee\.correspondent_account\): корреспондентский счёт",
        ),
        ({"number": "1234567"}, r"поле «Номер» \(number\): номер — от одной до шести цифр"),
        ({"amount_kopecks": 0}, r"№ 101: сумма должна быть больше нуля, а не 0 коп\."),
        ({"amount_kopecks": -100}, r"сумма должна быть больше нуля"),
        (
            {"date": datetime.date(2026, 10, 31)},
            r"№ 101 датировано 31\.10\.2026, вне периода выгрузки 01\.11\.2026–30\.11\.2026",
        ),
    ],
)
def test_export_refuses_what_a_bank_would_refuse_naming_the_order_and_field(change, message):
    order = dataclasses.replace(_registry()[0], **change)
    with pytest.raises(ValueError, match=message):
        _export([order, _registry()[1]])


def test_export_refuses_an_empty_registry():
    with pytest.raises(ValueError, match="В реестре нет ни одного платёжного поручения"):
        _export([])


def test_export_refuses_two_orders_with_one_number():
    orders = [_registry()[0], dataclasses.replace(_registry()[1], number="101")]
    with pytest.raises(ValueError, match=r"№ 101 от 05\.11\.2026 встречается в реестре дважды"):
        _export(orders)


def test_export_refuses_a_period_that_ends_before_it_starts():
    with pytest.raises(ValueError, match=r"начинается 01\.11\.2026, а заканчивается раньше"):
        _export(period_end=datetime.date(2026, 10, 31))


def test_export_refuses_a_sender_that_windows_1251_cannot_write():
    with pytest.raises(ValueError, match=r"Заголовок файла, поле «Отправитель» \(sender\)"):
        _export(sender="Кружок ✓")


def test_export_refuses_a_sum_in_anything_but_integer_kopecks():
    with pytest.raises(TypeError):
        _export([dataclasses.replace(_registry()[0], amount_kopecks=1200.0)])


# --- Reading a statement -------------------------------------------------------------------


def test_golden_registry_reads_back_equal():
    orders = _registry()
    entries = statement_parse(GOLDEN.read_bytes())
    assert len(entries) == len(orders)
    for entry, order in zip(entries, orders, strict=True):
        assert entry.kind == "Платежное поручение"
        assert (entry.number, entry.date) == (order.number, order.date)
        assert entry.amount_kopecks == order.amount_kopecks
        assert entry.payer == order.payer
        assert entry.payee == order.payee
        assert entry.purpose == order.purpose
        assert entry.written_off_on is entry.received_on is None
    assert sum(entry.amount_kopecks for entry in entries) == 34_687_891
    assert [entry.line for entry in entries] == [12, 38]


def test_statement_from_a_bank_reads_with_lf_line_ends_and_account_sections():
    data = _statement(
        *HEADER,
        "Отправитель=Банк-Клиент",
        "СекцияРасчСчет",
        "ДатаНачала=01.11.2026",
        "РасчСчет=40702810000000000012",
        "КонецРасчСчет",
        "",
        *_document(
            "Номер=5501",
            "Дата=06.11.2026",
            "Сумма=1200",
            "ПлательщикСчет=03232643070000001500",
            "ДатаСписано=06.11.2026",
            "Плательщик=ИНН 2614000013 Управление образования",
            "ПлательщикИНН=2614000013",
            "ПолучательСчет=40702810000000000012",
            "ДатаПоступило=07.11.2026",
            "Получатель=ИНН 2615012340 ООО «Ладья»",
            "Получатель1=ООО «Ладья»",
            "ПолучательИНН=2615012340",
            "НазначениеПлатежа=Оплата по счёту № 12 = за октябрь",
        ),
        *_document("Номер=7", "Дата=07.11.2026", "Сумма=0.5", "ДатаСписано="),
        "КонецФайла",
        "",
    )
    first, second = statement_parse(data)
    assert first.number == "5501"
    assert first.amount_kopecks == 120_000
    assert first.written_off_on == datetime.date(2026, 11, 6)
    assert first.received_on == datetime.date(2026, 11, 7)
    assert first.payer.name == "ИНН 2614000013 Управление образования"
    assert first.payer.account == "03232643070000001500"
    assert first.payee.name == "ООО «Ладья»"  # Получатель1 wins over the «ИНН …» form
    assert first.payee.inn == "2615012340"
    assert first.payee.kpp == ""
    assert first.purpose == "Оплата по счёту № 12 = за октябрь"
    assert second.amount_kopecks == 50
    assert second.written_off_on is None
    assert second.line == 25


@pytest.mark.parametrize("end", ["\r\n", "\n", "\r"])
def test_statement_reads_any_line_end(end):
    data = _statement(*HEADER, *_document(*MINIMAL), "КонецФайла", end=end)
    [entry] = statement_parse(data)
    assert (entry.number, entry.amount_kopecks) == ("1", 1000)


@pytest.mark.parametrize("encoding", ["cp866", "utf-8", "utf-8-sig"])
def test_statement_written_in_dos_or_utf8_reads_too(encoding):
    header = ("1CClientBankExchange", "ВерсияФормата=1.03", "Кодировка=DOS")
    fields = (*MINIMAL, "НазначениеПлатежа=Оплата клубу № 5")
    data = _statement(*header, *_document(*fields), "КонецФайла", encoding=encoding)
    [entry] = statement_parse(data)
    assert entry.purpose == "Оплата клубу № 5"


@pytest.mark.parametrize(
    ("amount", "kopecks"),
    [
        ("0.01", 1),
        ("1.1", 110),
        ("1200.00", 120_000),
        ("999999999999999.99", 99_999_999_999_999_999),
    ],
)
def test_statement_reads_sums_exactly_into_kopecks(amount, kopecks):
    data = _statement(
        *HEADER, *_document("Номер=1", "Дата=05.11.2026", f"Сумма={amount}"), "КонецФайла"
    )
    assert statement_parse(data)[0].amount_kopecks == kopecks


@pytest.mark.parametrize(
    "amount", ["", "12,50", "1.234", "1e3", "-5.00", "+5", ".5", "5.", "1 200.00", "NaN"]
)
def test_statement_refuses_a_sum_that_is_not_rubles_with_two_decimals(amount):
    data = _statement(
        *HEADER, *_document("Номер=1", "Дата=05.11.2026", f"Сумма={amount}"), "КонецФайла"
    )
    with pytest.raises(ValueError, match=r"^Строка 7: сумма «.*» не читается — нужно число рублей"):
        statement_parse(data)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            ("Hello, world",),
            r"^Строка 1: это не файл обмена с банком — он должен начинаться строкой "
            r"«1CClientBankExchange», а начинается «Hello, world»",
        ),
        (
            ("ВерсияФормата=1.03", "1CClientBankExchange"),
            r"^Строка 1: это не файл обмена с банком",
        ),
        (
            (*HEADER, "СекцияДокумент=Платежное поручение", *MINIMAL, *_document(*MINIMAL)),
            r"^Строка 8: документ из строки 4 не закрыт строкой «КонецДокумента»\.$",
        ),
        (
            (*HEADER, "СекцияДокумент=Платежное поручение", *MINIMAL, "КонецФайла"),
            r"^Строка 8: документ из строки 4 не закрыт строкой «КонецДокумента»\.$",
        ),
        (
            (*HEADER, "СекцияДокумент=Платежное поручение", *MINIMAL),
            r"^Строка 7: документ из строки 4 не закрыт строкой «КонецДокумента»\.$",
        ),
        (
            (*HEADER, "КонецДокумента", "КонецФайла"),
            r"^Строка 4: «КонецДокумента» без начала документа",
        ),
        (
            (*HEADER, *_document(*MINIMAL)),
            r"^Файл оборван: в конце нет строки «КонецФайла»",
        ),
        (
            (*HEADER, *_document("Номер=1", "Дата=05.11.2026"), "КонецФайла"),
            r"^Строка 4: в документе нет ключа «Сумма»\.$",
        ),
        (
            (*HEADER, *_document("Номер=1", "Дата=31.02.2026", "Сумма=1.00"), "КонецФайла"),
            r"^Строка 6: дата «31\.02\.2026» в поле «Дата» не читается — нужна дата вида",
        ),
        (
            (*HEADER, *_document(*MINIMAL, "ДатаПоступило=5.11.2026"), "КонецФайла"),
            r"^Строка 8: дата «5\.11\.2026» в поле «ДатаПоступило» не читается",
        ),
        (
            (*HEADER, *_document(*MINIMAL, "Сумма=20.00"), "КонецФайла"),
            r"^Строка 8: ключ «Сумма» уже был в документе из строки 7\.$",
        ),
        (
            (*HEADER, *_document(*MINIMAL, "Оплата за октябрь"), "КонецФайла"),
            r"^Строка 8: «Оплата за октябрь» — не пара «ключ=значение», а документ из строки 4",
        ),
    ],
)
def test_statement_refuses_a_broken_file_saying_what_and_where(lines, message):
    with pytest.raises(ValueError, match=message):
        statement_parse(_statement(*lines))


@pytest.mark.parametrize(
    ("data", "shown"),
    [
        (b"%PDF-1.7\n%\x98\x98\x98\n", "%PDF-1.7"),
        (b"PK\x03\x04\x14\x00\x06\x00", "PK"),
        (b"", ""),
        ("1CClientBankExchange".encode("utf-16"), "яю1"),
    ],
)
def test_statement_refuses_a_file_of_another_kind_by_its_first_line(data, shown):
    with pytest.raises(ValueError, match=rf"^Строка 1: это не файл обмена с банком .* «{shown}"):
        statement_parse(data)


def test_statement_refuses_a_byte_its_encoding_cannot_read():
    data = _statement(*HEADER, *_document(*MINIMAL), "КонецФайла").replace(b"10.00", b"10\x98")
    with pytest.raises(
        ValueError, match=r"^Строка 7: байт 0x98 не читается в кодировке Windows-1251"
    ):
        statement_parse(data)


def test_statement_refuses_a_file_over_the_size_cap():
    head = _statement(*HEADER, *_document(*MINIMAL), "КонецФайла", "")
    assert statement_parse(head.ljust(MAX_STATEMENT_BYTES, b" "))  # exactly at the cap: read
    with pytest.raises(ValueError, match=r"^Файл больше 5 МБ"):
        statement_parse(head.ljust(MAX_STATEMENT_BYTES + 1, b" "))


def test_statement_refuses_a_file_over_the_document_cap():
    document = "\n".join(_document(*MINIMAL))
    at_cap = [*HEADER, *[document] * MAX_STATEMENT_DOCUMENTS]
    assert len(statement_parse(_statement(*at_cap, "КонецФайла"))) == MAX_STATEMENT_DOCUMENTS
    line = len(HEADER) + 5 * MAX_STATEMENT_DOCUMENTS + 1
    with pytest.raises(ValueError, match=rf"^Строка {line}: в файле больше 20\xa0000 документов"):
        statement_parse(_statement(*at_cap, document, "КонецФайла"))


# --- Round trip ----------------------------------------------------------------------------

_ALPHABET = (
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"
    "ABCxyz0123456789 «»„“\"'№.,;:!?()-–—/\\=+%&\r\n\t\u00a0"
)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _texts(max_size: int) -> st.SearchStrategy[str]:
    # Line breaks, tabs and no-break spaces included: the export makes them one space.
    return st.text(alphabet=_ALPHABET, min_size=1, max_size=max_size).filter(_one_line)


_NAMES = _texts(160)
_PURPOSES = _texts(210)


@st.composite
def _orders(draw: st.DrawFn) -> list[PaymentOrder]:
    count = draw(st.integers(min_value=1, max_value=4))
    return [
        PaymentOrder(
            number=str(100 + index),
            date=DAY,
            # 0.01 … 10^9 rubles
            amount_kopecks=draw(st.integers(min_value=1, max_value=100_000_000_000)),
            payer=dataclasses.replace(MUNICIPALITY, name=draw(_NAMES)),
            payee=dataclasses.replace(CHESS_CLUB, name=draw(_NAMES), bank_name=draw(_NAMES)),
            purpose=draw(_PURPOSES),
        )
        for index in range(count)
    ]


@given(_orders())
def test_what_the_export_writes_the_statement_reader_reads_back(orders):
    entries = statement_parse(_export(orders))
    assert len(entries) == len(orders)
    for entry, order in zip(entries, orders, strict=True):
        assert entry.amount_kopecks == order.amount_kopecks
        assert entry.payer.name == _one_line(order.payer.name)
        assert entry.payee.name == _one_line(order.payee.name)
        assert entry.payee.bank_name == _one_line(order.payee.bank_name)
        assert (entry.payer.inn, entry.payee.inn) == (order.payer.inn, order.payee.inn)
        assert entry.payer.account == order.payer.account
        assert entry.payee.account == order.payee.account
        assert entry.purpose == _one_line(order.purpose)
    assert sum(e.amount_kopecks for e in entries) == sum(o.amount_kopecks for o in orders)
