"""1CClientBankExchange: a registry of payment orders out, a bank statement back in."""

import dataclasses
import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kruzhok.common.bank_exchange import (
    BankDetails,
    PaymentOrder,
    payment_orders_export,
    payment_purpose,
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
