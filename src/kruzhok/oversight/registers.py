"""The operator's registers: what each lists, its columns, and its XLSX.

A register reads through its owning app's selector (`certificate_register`,
`child_register`, `contract_register`, `provider_register`, `program_register`), always
within the municipalities the reader oversees; the columns here are what the page and the
XLSX show, in Russian, money in rubles.
"""

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from kruzhok.catalog.models import Direction, FinancingSource, ProgramState
from kruzhok.catalog.selectors import program_register
from kruzhok.certificates.models import CertificateStatus
from kruzhok.certificates.selectors import certificate_register
from kruzhok.common.forms import BootstrapBoundField
from kruzhok.common.models import Municipality
from kruzhok.common.money import format_kopecks
from kruzhok.common.xlsx import BOLD, MONEY_FORMAT, header_write, rubles, text_write, workbook_bytes
from kruzhok.enrollment.selectors import ContractState, contract_register
from kruzhok.families.selectors import child_register
from kruzhok.providers.models import ProviderStatus
from kruzhok.providers.selectors import provider_register

PAGE_SIZE = 25
# An export is one request: beyond this many rows the operator narrows the filters.
EXPORT_ROW_LIMIT = 20_000

Cell = str | int | datetime.date | None


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Cell]
    money: bool = False
    width: int = 18

    def text(self, row: Any) -> str:
        """The cell as the page shows it."""
        value = self.value(row)
        if value is None or value == "":
            return "—"
        if self.money and isinstance(value, int):
            return format_kopecks(value)
        if isinstance(value, datetime.datetime):
            return f"{timezone.localtime(value):%d.%m.%Y %H:%M}"
        if isinstance(value, datetime.date):
            return f"{value:%d.%m.%Y}"
        return str(value)


def _blank_choice(choices: Iterable[tuple[str, str]], label: str = "Все") -> list[tuple[str, str]]:
    return [("", label), *choices]


class RegisterFilter(forms.Form):
    """A register's filters (GET): a search box, the register's own choices, and the
    municipality for a regional administrator."""

    bound_field_class = BootstrapBoundField

    q = forms.CharField(label="Поиск", required=False, max_length=100)
    municipality = forms.TypedChoiceField(
        label="Муниципалитет", required=False, coerce=int, empty_value=None
    )

    def __init__(
        self, *args: Any, municipalities: Sequence[Municipality], hint: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].help_text = hint
        if len(municipalities) > 1:
            municipality = self.fields["municipality"]
            assert isinstance(municipality, forms.ChoiceField)
            municipality.choices = _blank_choice((str(m.pk), m.name) for m in municipalities)
        else:
            del self.fields["municipality"]


class CertificateFilter(RegisterFilter):
    status = forms.ChoiceField(
        label="Статус", required=False, choices=_blank_choice(CertificateStatus.choices)
    )


class ChildFilter(RegisterFilter):
    birth_year = forms.IntegerField(
        label="Год рождения", required=False, min_value=1990, max_value=2100
    )

    def clean_q(self) -> str:
        query: str = self.cleaned_data["q"]
        if any(ch.isdigit() for ch in query):
            raise forms.ValidationError(
                "Здесь ищут по фамилии, имени или отчеству. СНИЛС введите в поле «Найти по "
                "СНИЛС»: так номер не попадёт в адрес страницы."
            )
        return query


class ContractFilter(RegisterFilter):
    state = forms.ChoiceField(
        label="Договоры", required=False, choices=_blank_choice(ContractState.choices)
    )


class ProviderFilter(RegisterFilter):
    status = forms.ChoiceField(
        label="Статус", required=False, choices=_blank_choice(ProviderStatus.choices)
    )


class ProgramFilter(RegisterFilter):
    state = forms.ChoiceField(
        label="Состояние", required=False, choices=_blank_choice(ProgramState.choices)
    )
    direction = forms.ChoiceField(
        label="Направленность", required=False, choices=_blank_choice(Direction.choices)
    )
    financing_source = forms.ChoiceField(
        label="Источник оплаты", required=False, choices=_blank_choice(FinancingSource.choices)
    )


@dataclass(frozen=True)
class Register:
    slug: str
    title: str
    hint: str
    filter_form: type[RegisterFilter]
    # (municipality ids, the filters' cleaned data without `municipality`) -> rows
    rows: Callable[[list[int], dict[str, Any]], QuerySet[Any]]
    columns: tuple[Column, ...]
    filename: str
    snils_search: bool = False
    link: Callable[[Any], str] | None = None
    # The filters a selector takes (the form's other fields are the page's own).
    filter_names: tuple[str, ...] = field(default=())
    # The same rows in the query shape that reads one page fastest, where it is not `rows`'s.
    page_rows: Callable[[list[int], dict[str, Any]], QuerySet[Any]] | None = None

    def _filters(self, data: dict[str, Any]) -> dict[str, Any]:
        return {k: data.get(k) for k in ("q", *self.filter_names)}

    def rows_for(self, municipality_ids: list[int], data: dict[str, Any]) -> QuerySet[Any]:
        return self.rows(municipality_ids, self._filters(data))

    def pages_for(
        self, municipality_ids: list[int], data: dict[str, Any]
    ) -> "QuerySet[Any] | CountedPages":
        """What the page's paginator reads: the rows, or the rows counted one way and sliced
        another."""
        rows = self.rows_for(municipality_ids, data)
        if self.page_rows is None:
            return rows
        return CountedPages(rows, self.page_rows(municipality_ids, self._filters(data)))


class CountedPages:
    """Rows for Django's Paginator counted by one query and sliced from another that selects
    the same rows in the same order. The sliced form reads the first pages fastest (it walks
    the rows in order and stops); past `PAGED_DEPTH` rows the counted form is cheaper (it
    reads every row once, however deep the page)."""

    PAGED_DEPTH = 5_000

    def __init__(self, counted: QuerySet[Any], paged: QuerySet[Any]) -> None:
        self.counted, self.paged = counted, paged

    def count(self) -> int:
        return self.counted.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[Any]:
        deep = (index.start or 0) >= self.PAGED_DEPTH
        return list((self.counted if deep else self.paged)[index])


def _certificates(ids: list[int], f: dict[str, Any], snils: str = "") -> QuerySet[Any]:
    return certificate_register(
        municipality_ids=ids, query=f.get("q") or "", status=f.get("status") or "", snils=snils
    )


def _children(ids: list[int], f: dict[str, Any], snils: str = "") -> QuerySet[Any]:
    return child_register(
        municipality_ids=ids, query=f.get("q") or "", birth_year=f.get("birth_year"), snils=snils
    )


CERTIFICATES = Register(
    slug="certificates",
    title="Сертификаты",
    hint="Номер сертификата (как напечатан или одними цифрами) или фамилия ребёнка.",
    filter_form=CertificateFilter,
    rows=_certificates,
    filter_names=("status",),
    snils_search=True,
    columns=(
        Column("Номер", lambda c: c.number_display, width=16),
        Column("Ребёнок", lambda c: c.child.full_name, width=32),
        Column("Муниципалитет", lambda c: c.municipality.name, width=28),
        Column("Статус", lambda c: c.get_status_display(), width=22),
        Column("Выдан", lambda c: timezone.localdate(c.issued_at), width=12),
        Column("Действует по", lambda c: c.valid_to, width=12),
        Column("Номинал", lambda c: c.nominal, money=True, width=14),
        Column("Остаток", lambda c: c.balance, money=True, width=14),
        Column("Зарезервировано", lambda c: c.reserved, money=True, width=14),
        Column("Доступно", lambda c: c.balance - c.reserved, money=True, width=14),
    ),
    filename="sertifikaty",
)

CHILDREN = Register(
    slug="children",
    title="Дети",
    hint="Фамилия, имя или отчество. СНИЛС — в отдельном поле ниже.",
    filter_form=ChildFilter,
    rows=_children,
    filter_names=("birth_year",),
    snils_search=True,
    columns=(
        Column("ФИО", lambda c: c.full_name, width=36),
        Column("Дата рождения", lambda c: c.birth_date, width=14),
        Column("Возраст, лет", lambda c: c.age_on(timezone.localdate()), width=10),
        Column("СНИЛС", lambda c: c.snils_masked, width=18),
        Column("Муниципалитет", lambda c: c.municipality.name, width=28),
        Column("Добавлен", lambda c: timezone.localdate(c.created_at), width=12),
    ),
    filename="deti",
)

CONTRACTS = Register(
    slug="contracts",
    title="Договоры",
    hint="Номер договора, фамилия ребёнка или название программы.",
    filter_form=ContractFilter,
    rows=lambda ids, f: contract_register(
        municipality_ids=ids, query=f.get("q") or "", state=f.get("state") or ""
    ),
    page_rows=lambda ids, f: contract_register(
        municipality_ids=ids, query=f.get("q") or "", state=f.get("state") or "", page=True
    ),
    filter_names=("state",),
    columns=(
        Column("Номер", lambda c: c.number, width=18),
        Column("Заключён", lambda c: timezone.localdate(c.accepted_at), width=12),
        Column("Ребёнок", lambda c: c.application.child.full_name, width=32),
        Column("Программа", lambda c: c.application.group.program.title, width=32),
        Column("Поставщик", lambda c: c.application.group.program.provider.short_name, width=28),
        Column("Начало", lambda c: c.start_date, width=12),
        Column("Окончание", lambda c: c.end_date, width=12),
        Column("Расторгнут с", lambda c: c.terminated_on, width=12),
        Column("Состояние", lambda c: c.application.get_status_display(), width=20),
        Column("Стоимость", lambda c: c.total_cost, money=True, width=14),
        Column("Сертификатом", lambda c: c.certificate_part, money=True, width=14),
        Column("Доплата родителя", lambda c: c.parent_part, money=True, width=14),
    ),
    filename="dogovory",
)

PROVIDERS = Register(
    slug="providers",
    title="Поставщики",
    hint="Название, ИНН или ОГРН.",
    filter_form=ProviderFilter,
    rows=lambda ids, f: provider_register(
        municipality_ids=ids, query=f.get("q") or "", status=f.get("status") or ""
    ),
    filter_names=("status",),
    link=lambda p: reverse("operator:provider_detail", args=[p.pk]),
    columns=(
        Column("Краткое название", lambda p: p.short_name, width=28),
        Column("Полное название", lambda p: p.full_name, width=40),
        Column("Вид", lambda p: p.get_kind_display(), width=20),
        Column("ИНН", lambda p: p.inn, width=14),
        Column("ОГРН / ОГРНИП", lambda p: p.ogrn, width=17),
        Column("Муниципалитет", lambda p: p.municipality.name, width=28),
        Column("Статус", lambda p: p.get_status_display(), width=16),
        Column("Подал заявку", lambda p: timezone.localdate(p.created_at), width=12),
    ),
    filename="postavshchiki",
)

PROGRAMS = Register(
    slug="programs",
    title="Программы",
    hint="Название программы или поставщика.",
    filter_form=ProgramFilter,
    rows=lambda ids, f: program_register(
        municipality_ids=ids,
        query=f.get("q") or "",
        state=f.get("state") or "",
        direction=f.get("direction") or "",
        financing_source=f.get("financing_source") or "",
    ),
    filter_names=("state", "direction", "financing_source"),
    link=lambda p: reverse("operator:program_detail", args=[p.pk]),
    columns=(
        Column("Программа", lambda p: p.title, width=36),
        Column("Поставщик", lambda p: p.provider.short_name, width=28),
        Column("Направленность", lambda p: p.get_direction_display(), width=24),
        Column("Возраст", lambda p: f"{p.age_min}–{p.age_max} лет", width=12),
        Column("Источник оплаты", lambda p: p.get_financing_source_display(), width=22),
        Column("Цена часа", lambda p: p.price_per_hour, money=True, width=12),
        Column("Групп", lambda p: p.groups_count, width=8),
        Column("Мест", lambda p: p.seats, width=8),
        Column("Занято", lambda p: p.seats_taken, width=8),
        Column("Состояние", lambda p: p.get_state_display(), width=20),
    ),
    filename="programmy",
)

REGISTERS: dict[str, Register] = {
    r.slug: r for r in (CERTIFICATES, CHILDREN, CONTRACTS, PROVIDERS, PROGRAMS)
}

SNILS_ROWS: dict[str, Callable[[list[int], str], QuerySet[Any]]] = {
    "certificates": lambda ids, snils: _certificates(ids, {}, snils),
    "children": lambda ids, snils: _children(ids, {}, snils),
}


def register_xlsx(*, register: Register, rows: Iterable[Any], caption: str) -> bytes:
    """The register's rows as a workbook: text cells are never formulas, money is rubles
    (an exact number with the ruble format), dates are dates."""
    wb = Workbook()
    ws = wb.active
    ws.title = register.title
    text_write(ws, 1, 1, caption).font = BOLD
    text_write(ws, 2, 1, f"на {timezone.localdate():%d.%m.%Y}")
    header_write(ws, 3, [c.header for c in register.columns], [c.width for c in register.columns])
    for row_number, row in enumerate(rows, start=4):
        for column_number, column in enumerate(register.columns, start=1):
            value = column.value(row)
            if value is None:
                continue
            if isinstance(value, str):
                text_write(ws, row_number, column_number, value)
                continue
            cell = ws.cell(row=row_number, column=column_number)
            if column.money:
                cell.value = rubles(value)  # type: ignore[arg-type]
                cell.number_format = MONEY_FORMAT
            elif isinstance(value, datetime.date):
                cell.value = value
                cell.number_format = "DD.MM.YYYY"
            else:
                cell.value = value
    return workbook_bytes(wb)
