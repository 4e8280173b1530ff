"""1CClientBankExchange: payment orders out to a bank client, statements back from it.

The plain-text format that Russian accounting software and bank clients exchange documents in
(1C's «Стандарт обмена с системами "Клиент банка"», version 1.03): Windows-1251, one
`key=value` a line, a header, one `СекцияДокумент=…` … `КонецДокумента` section a document,
`КонецФайла` last. The file writes rubles with a dot ("1200.00"); here amounts are integer
kopecks, read exactly, never through a float.
"""

import codecs
import datetime
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NoReturn

from django.utils import timezone

from kruzhok.common.months import month_name

FILE_MARKER = "1CClientBankExchange"
FORMAT_VERSION = "1.03"
PAYMENT_ORDER = "Платежное поручение"  # the format's own spelling, without «ё»
ENCODING = "cp1251"

# A statement is an upload: its size and its count of documents are capped so that one file
# cannot hold a worker. A month of a municipality's payments is far below both.
MAX_STATEMENT_BYTES = 5 * 1024 * 1024
MAX_STATEMENT_DOCUMENTS = 20_000

# The payment order form (Bank of Russia) gives a party's name 160 characters and the
# purpose 210; a bank client refuses a longer one, so the export refuses it first.
MAX_NAME_LENGTH = 160
MAX_PURPOSE_LENGTH = 210


@dataclass(frozen=True)
class BankDetails:
    """A party to a payment: an organisation and its account at a bank."""

    name: str
    inn: str
    kpp: str  # empty for an individual entrepreneur
    account: str  # расчётный счёт, 20 digits
    bank_name: str
    bik: str
    correspondent_account: str


@dataclass(frozen=True)
class PaymentOrder:
    """One payment of a registry: who pays whom, how much, and for what."""

    number: str
    date: datetime.date
    amount_kopecks: int
    payer: BankDetails
    payee: BankDetails
    purpose: str


@dataclass(frozen=True)
class StatementEntry:
    """One document of a bank statement.

    A party's details hold what the bank wrote and "" for a key it left out; its name is
    `Плательщик1` (`Получатель1`) when given, else `Плательщик`, which some banks prefix
    with «ИНН …».
    """

    line: int  # where its section starts, for messages about it
    kind: str  # «Платежное поручение», «Банковский ордер», …
    number: str
    date: datetime.date
    amount_kopecks: int
    written_off_on: datetime.date | None  # ДатаСписано: the payer's bank debited it
    received_on: datetime.date | None  # ДатаПоступило: the payee's bank credited it
    payer: BankDetails
    payee: BankDetails
    purpose: str


def payment_purpose(invoice_number: str, invoice_date: datetime.date, month: datetime.date) -> str:
    """«Оплата по счёту № 12 от 05.11.2026 за октябрь 2026 (ПФДО). Без НДС»."""
    return (
        f"Оплата по счёту № {invoice_number} от {invoice_date:%d.%m.%Y} "
        f"за {month_name(month)} (ПФДО). Без НДС"
    )


# --- Export -------------------------------------------------------------------------------

_INN = re.compile(r"[0-9]{10}|[0-9]{12}")
_KPP = re.compile(r"[0-9]{4}[0-9A-Z]{2}[0-9]{3}")  # the 5th and 6th may be letters
_ACCOUNT = re.compile(r"[0-9]{20}")
_BIK = re.compile(r"[0-9]{9}")
_ORDER_NUMBER = re.compile(r"[0-9]{1,6}")


class _Lines:
    """The file's lines; every value is made one line of text that CP1251 can write."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.where = "Заголовок файла"

    def bare(self, line: str) -> None:
        self.lines.append(line)

    def text(
        self, key: str, value: str, field: str, *, required: bool = True, max_length: int = 0
    ) -> None:
        value = _one_line(value)
        if required and not value:
            self._refuse(key, field, "пустое, а без него банк документ не примет")
        if max_length and len(value) > max_length:
            self._refuse(
                key, field, f"длиннее {max_length} символов ({len(value)}), банк его не примет"
            )
        for char in value:
            try:
                char.encode(ENCODING)
            except UnicodeEncodeError:
                self._refuse(
                    key,
                    field,
                    f"символ «{char}» (U+{ord(char):04X}) нельзя записать в кодировке "
                    "Windows-1251: замените его",
                )
        self.lines.append(f"{key}={value}")

    def digits(self, key: str, value: str, field: str, pattern: re.Pattern[str], what: str) -> None:
        if not pattern.fullmatch(value):
            self._refuse(key, field, f"{what}, а не «{_shorten(value)}»")
        self.lines.append(f"{key}={value}")

    def _refuse(self, key: str, field: str, problem: str) -> NoReturn:
        raise ValueError(f"{self.where}, поле «{key}» ({field}): {problem}.")


def payment_orders_export(
    *,
    orders: Sequence[PaymentOrder],
    sender: str,
    created_at: datetime.datetime,
    period_start: datetime.date,
    period_end: datetime.date,
    recipient: str = "",
) -> bytes:
    """A registry of payment orders as a 1CClientBankExchange 1.03 file for a bank client.

    Windows-1251 with CRLF line ends. Every value is one line: line breaks, tabs and runs of
    spaces become one space, invisible formatting characters go. Raises ValueError, in Russian
    and naming the order and the field, on what a bank would refuse or the file cannot hold:
    a character outside Windows-1251, an empty name or purpose, an ИНН, КПП, account or БИК of
    the wrong shape, a sum that is not positive, an order dated outside the period, two orders
    with one number, an empty registry. `created_at` is written in the project's time zone.
    """
    if not orders:
        raise ValueError("В реестре нет ни одного платёжного поручения: выгружать нечего.")
    if period_start > period_end:
        raise ValueError(
            f"Период выгрузки начинается {period_start:%d.%m.%Y}, "
            f"а заканчивается раньше — {period_end:%d.%m.%Y}."
        )
    if timezone.is_aware(created_at):
        created_at = timezone.localtime(created_at)
    # The orders first: a refusal names the order, not the header line that repeats its account.
    body = _Lines()
    numbers: set[tuple[str, datetime.date]] = set()
    for order in orders:
        body.where = f"Платёжное поручение № {_shorten(order.number)}"
        if (order.number, order.date) in numbers:
            raise ValueError(
                f"{body.where} от {order.date:%d.%m.%Y} встречается в реестре дважды: "
                "у каждого поручения свой номер."
            )
        numbers.add((order.number, order.date))
        _order_write(body, order, period_start, period_end)
    out = _Lines()
    out.bare(FILE_MARKER)
    out.bare(f"ВерсияФормата={FORMAT_VERSION}")
    out.bare("Кодировка=Windows")
    out.text("Отправитель", sender, "sender")
    out.text("Получатель", recipient, "recipient", required=False)
    out.bare(f"ДатаСоздания={created_at:%d.%m.%Y}")
    out.bare(f"ВремяСоздания={created_at:%H:%M:%S}")
    out.bare(f"ДатаНачала={period_start:%d.%m.%Y}")
    out.bare(f"ДатаКонца={period_end:%d.%m.%Y}")
    # One РасчСчет line for each account the registry pays from, as the format allows.
    for account in dict.fromkeys(order.payer.account for order in orders):
        out.bare(f"РасчСчет={account}")
    out.bare(f"Документ={PAYMENT_ORDER}")
    out.lines.extend(body.lines)
    out.bare("КонецФайла")
    return "".join(f"{line}\r\n" for line in out.lines).encode(ENCODING)


def _order_write(
    out: _Lines, order: PaymentOrder, period_start: datetime.date, period_end: datetime.date
) -> None:
    if not period_start <= order.date <= period_end:
        raise ValueError(
            f"{out.where} датировано {order.date:%d.%m.%Y}, вне периода выгрузки "
            f"{period_start:%d.%m.%Y}–{period_end:%d.%m.%Y}."
        )
    if not isinstance(order.amount_kopecks, int) or isinstance(order.amount_kopecks, bool):
        raise TypeError(f"amount_kopecks must be an int, not {order.amount_kopecks!r}")
    if order.amount_kopecks <= 0:
        raise ValueError(
            f"{out.where}: сумма должна быть больше нуля, а не {order.amount_kopecks} коп."
        )
    out.bare(f"СекцияДокумент={PAYMENT_ORDER}")
    out.digits("Номер", order.number, "number", _ORDER_NUMBER, "номер — от одной до шести цифр")
    out.bare(f"Дата={order.date:%d.%m.%Y}")
    out.bare(f"Сумма={_rubles(order.amount_kopecks)}")
    _party_write(out, "Плательщик", "payer", order.payer)
    _party_write(out, "Получатель", "payee", order.payee)
    out.bare("ВидОплаты=01")  # 01: a payment order
    out.bare("Очередность=5")  # 5: the ordinary order of payments (Civil Code, art. 855)
    out.text("НазначениеПлатежа", order.purpose, "purpose", max_length=MAX_PURPOSE_LENGTH)
    out.bare("КонецДокумента")


def _party_write(out: _Lines, role: str, attribute: str, party: BankDetails) -> None:
    # Direct settlement: the party's account is both `…Счет` and `…РасчСчет`, its name both
    # the bare key and `…1`, as 1C writes them and bank clients read either.
    account_what = "счёт — 20 цифр"
    out.digits(f"{role}Счет", party.account, f"{attribute}.account", _ACCOUNT, account_what)
    out.text(role, party.name, f"{attribute}.name", max_length=MAX_NAME_LENGTH)
    inn_what = "ИНН — 10 цифр у организации или 12 у предпринимателя"
    out.digits(f"{role}ИНН", party.inn, f"{attribute}.inn", _INN, inn_what)
    if party.kpp:
        out.digits(f"{role}КПП", party.kpp, f"{attribute}.kpp", _KPP, "КПП — 9 знаков")
    else:
        out.bare(f"{role}КПП=")
    out.text(f"{role}1", party.name, f"{attribute}.name", max_length=MAX_NAME_LENGTH)
    out.digits(f"{role}РасчСчет", party.account, f"{attribute}.account", _ACCOUNT, account_what)
    out.text(f"{role}Банк1", party.bank_name, f"{attribute}.bank_name")
    out.digits(f"{role}БИК", party.bik, f"{attribute}.bik", _BIK, "БИК — 9 цифр")
    out.digits(
        f"{role}Корсчет",
        party.correspondent_account,
        f"{attribute}.correspondent_account",
        _ACCOUNT,
        "корреспондентский счёт — 20 цифр",
    )


def _one_line(value: str) -> str:
    """Line breaks, tabs and other control characters become spaces, runs of spaces one
    space; invisible formatting characters (soft hyphen, zero-width space, BOM) go."""
    kept = []
    for char in value:
        category = unicodedata.category(char)
        if category == "Cf":
            continue
        kept.append(" " if category == "Cc" else char)
    return " ".join("".join(kept).split())


def _rubles(kopecks: int) -> str:
    return f"{kopecks // 100}.{kopecks % 100:02d}"


def _shorten(value: str, limit: int = 40) -> str:
    value = _one_line(value)
    return value if len(value) <= limit else value[: limit - 1] + "…"


# --- Statement ----------------------------------------------------------------------------

_FIRST_LINE = re.compile(rb"[^\r\n]*")
_AMOUNT = re.compile(r"([0-9]{1,15})(?:\.([0-9]{1,2}))?")
_DATE = re.compile(r"([0-9]{2})\.([0-9]{2})\.([0-9]{4})")
_SECTION_START = "СекцияДокумент"
_SECTION_END = "КонецДокумента"
_FILE_END = "КонецФайла"
_MAX_DOCUMENTS_TEXT = f"{MAX_STATEMENT_DOCUMENTS:_}".replace("_", "\u00a0")  # «20 000»


def statement_parse(data: bytes) -> list[StatementEntry]:
    """The documents of a bank statement in 1CClientBankExchange, in the file's order.

    Reads Windows-1251 (or DOS, or UTF-8 when the file is written in it), with CRLF, LF or
    CR line ends. Skips the header and the account sections (`СекцияРасчСчет`). Raises
    ValueError with a Russian message saying what is wrong and on which line: a file that is
    not 1CClientBankExchange, larger than MAX_STATEMENT_BYTES or holding more than
    MAX_STATEMENT_DOCUMENTS documents; a document left open or without Номер, Дата or Сумма;
    a line in a document that is not `key=value` or repeats a key; a sum that is not rubles
    with a dot and at most two decimals; a date not written dd.mm.yyyy; a file cut short
    before `КонецФайла`.
    """
    if len(data) > MAX_STATEMENT_BYTES:
        raise ValueError(
            f"Файл больше {MAX_STATEMENT_BYTES // (1024 * 1024)} МБ: выгрузите выписку "
            "за более короткий период и загрузите её по частям."
        )
    # The marker is ASCII: checked before decoding, a PDF or a spreadsheet is named for what
    # it is not, rather than for a byte its encoding cannot read.
    match = _FIRST_LINE.match(data.removeprefix(codecs.BOM_UTF8))
    first = match[0].strip() if match else b""
    if first != FILE_MARKER.encode():
        shown = _shorten(first.decode(ENCODING, errors="replace"))
        raise ValueError(
            f"Строка 1: это не файл обмена с банком — он должен начинаться строкой "
            f"«{FILE_MARKER}», а начинается «{shown}». Выгрузите из банка выписку "
            "в формате 1С."
        )
    lines = _decode(data).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    entries: list[StatementEntry] = []
    section: dict[str, tuple[str, int]] | None = None
    kind, start = "", 0
    for number, raw in enumerate(lines[1:], start=2):
        line = raw.strip()
        if not line:
            continue
        key, has_value, value = line.partition("=")
        if section is None:
            if key == _SECTION_START:
                if len(entries) >= MAX_STATEMENT_DOCUMENTS:
                    raise ValueError(
                        f"Строка {number}: в файле больше {_MAX_DOCUMENTS_TEXT} документов. "
                        "Выгрузите выписку за более короткий период и загрузите её по частям."
                    )
                section, kind, start = {}, value.strip(), number
            elif line == _SECTION_END:
                raise ValueError(
                    f"Строка {number}: «{_SECTION_END}» без начала документа "
                    f"(«{_SECTION_START}=…»)."
                )
            elif line == _FILE_END:
                return entries
            continue  # the header and the account sections: nothing a payment needs
        if line == _SECTION_END:
            entries.append(_entry(kind, start, section))
            section = None
        elif key == _SECTION_START or line == _FILE_END:
            raise _unclosed(start, number)
        elif not has_value:
            raise ValueError(
                f"Строка {number}: «{_shorten(line)}» — не пара «ключ=значение», "
                f"а документ из строки {start} ещё не закрыт."
            )
        elif key in section:
            raise ValueError(
                f"Строка {number}: ключ «{_shorten(key)}» уже был в документе "
                f"из строки {section[key][1]}."
            )
        else:
            section[key] = (value.strip(), number)
    if section is not None:
        raise _unclosed(start, len(lines))
    raise ValueError(
        f"Файл оборван: в конце нет строки «{_FILE_END}». Выгрузите выписку из банка заново."
    )


def _unclosed(start: int, number: int) -> ValueError:
    return ValueError(
        f"Строка {number}: документ из строки {start} не закрыт строкой «{_SECTION_END}»."
    )


def _decode(data: bytes) -> str:
    head = data[:4096]
    if data.startswith(codecs.BOM_UTF8) or "Кодировка".encode() in head:
        encoding, name = "utf-8-sig", "UTF-8"
    elif "Кодировка=DOS".encode("cp866") in head:
        encoding, name = "cp866", "DOS"
    else:
        encoding, name = ENCODING, "Windows-1251"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ValueError(
            f"Строка {line}: байт 0x{data[exc.start]:02X} не читается в кодировке {name}. "
            "Выгрузите выписку из банка заново, в кодировке Windows."
        ) from exc


def _entry(kind: str, start: int, fields: dict[str, tuple[str, int]]) -> StatementEntry:
    def required(key: str) -> tuple[str, int]:
        if key not in fields:
            raise ValueError(f"Строка {start}: в документе нет ключа «{key}».")
        return fields[key]

    def optional(*keys: str) -> str:
        return next((fields[key][0] for key in keys if fields.get(key, ("", 0))[0]), "")

    def party(role: str) -> BankDetails:
        return BankDetails(
            name=optional(f"{role}1", role),
            inn=optional(f"{role}ИНН"),
            kpp=optional(f"{role}КПП"),
            account=optional(f"{role}РасчСчет", f"{role}Счет"),
            bank_name=optional(f"{role}Банк1"),
            bik=optional(f"{role}БИК"),
            correspondent_account=optional(f"{role}Корсчет"),
        )

    def day(key: str) -> datetime.date | None:
        value, number = fields.get(key, ("", 0))
        return _date(value, number, key) if value else None

    number, _ = required("Номер")
    date_value, date_line = required("Дата")
    amount_value, amount_line = required("Сумма")
    return StatementEntry(
        line=start,
        kind=kind,
        number=number,
        date=_date(date_value, date_line, "Дата"),
        amount_kopecks=_kopecks(amount_value, amount_line),
        written_off_on=day("ДатаСписано"),
        received_on=day("ДатаПоступило"),
        payer=party("Плательщик"),
        payee=party("Получатель"),
        purpose=optional("НазначениеПлатежа"),
    )


def _kopecks(value: str, line: int) -> int:
    match = _AMOUNT.fullmatch(value)
    if match is None:
        raise ValueError(
            f"Строка {line}: сумма «{_shorten(value)}» не читается — нужно число рублей "
            "с точкой и не более чем двумя знаками после неё, например 1200.00."
        )
    rubles, kopecks = match.groups()
    return int(rubles) * 100 + int((kopecks or "0").ljust(2, "0"))


def _date(value: str, line: int, key: str) -> datetime.date:
    match = _DATE.fullmatch(value)
    try:
        if match is None:
            raise ValueError(value)
        day, month, year = (int(part) for part in match.groups())
        return datetime.date(year, month, day)
    except ValueError:
        raise ValueError(
            f"Строка {line}: дата «{_shorten(value)}» в поле «{key}» не читается — "
            "нужна дата вида 05.11.2026."
        ) from None
