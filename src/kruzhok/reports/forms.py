"""Forms of the financing program editor and the population figures: they only parse what a
person typed (money in rubles) into the services' terms; the rules are the services'."""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from kruzhok.certificates.financing import (
    BUDGET_MAX,
    NOMINAL_MAX,
    FinancingRules,
)
from kruzhok.certificates.models import BillingRegime, CertificateReach
from kruzhok.common.forms import BootstrapBoundField
from kruzhok.common.money import format_kopecks, rubles_to_kopecks
from kruzhok.common.population import AGES, CHILDREN_MAX, MAX_IMPORT_BYTES

BAND_ROWS = 4
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RublesField(forms.CharField):
    """An amount typed in rubles («30 000», «30 000,50»), cleaned into integer kopecks."""

    def __init__(self, *, maximum: int, **kwargs: Any) -> None:
        self.maximum = maximum
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> int | None:
        text = super().clean(value)
        if text in (None, ""):
            return None
        try:
            kopecks = rubles_to_kopecks(text)
        except ValueError:
            raise ValidationError(
                "Укажите сумму в рублях, например 30 000 или 30 000,50.", code="invalid"
            ) from None
        if not 0 <= kopecks <= self.maximum:
            raise ValidationError(f"Сумма — от 0 до {format_kopecks(self.maximum)}.", code="range")
        return kopecks


def _age_field(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=5,
        max_value=18,
        error_messages={
            "min_value": "Возраст — от 5 до 18 лет.",
            "max_value": "Возраст — от 5 до 18 лет.",
            "invalid": "Возраст — целое число лет.",
        },
    )


class FinancingProgramForm(forms.Form):
    bound_field_class = BootstrapBoundField

    title = forms.CharField(label="Название", max_length=300)
    period_start = forms.DateField(label="Начало периода", widget=DATE_WIDGET)
    period_end = forms.DateField(label="Окончание периода", widget=DATE_WIDGET)
    max_funded_certificates = forms.IntegerField(
        label="Максимум сертификатов ПФ",
        min_value=0,
        max_value=10_000_000,
        error_messages={"min_value": "Не меньше 0.", "max_value": "Не больше 10 000 000."},
    )
    budget_cap = RublesField(label="Объём средств, ₽", maximum=BUDGET_MAX)
    max_programs_per_child = forms.IntegerField(
        label="Программ по сертификату на ребёнка одновременно",
        min_value=1,
        max_value=20,
        error_messages={"min_value": "От 1 до 20.", "max_value": "От 1 до 20."},
    )
    billing_regime = forms.ChoiceField(label="Порядок оплаты", choices=BillingRegime.choices)
    advance_percent = forms.IntegerField(
        label="Аванс поставщикам, % ожидаемых списаний месяца",
        min_value=0,
        max_value=100,
        help_text="0 — авансы не выплачиваются.",
        error_messages={"min_value": "От 0 до 100.", "max_value": "От 0 до 100."},
    )
    certificate_reach = forms.ChoiceField(
        label="Где можно использовать сертификат",
        choices=CertificateReach.choices,
        help_text=(
            "Оплачивает всегда муниципалитет ребёнка. Правило касается новых заявок и "
            "договоров: заключённые договоры с поставщиками других муниципалитетов действуют "
            "до конца."
        ),
        error_messages={
            "required": "Выберите, где можно использовать сертификат.",
            "invalid_choice": (
                "Выберите из списка: у любого поставщика региона или только у поставщиков "
                "своего муниципалитета."
            ),
        },
    )
    effective_from = forms.DateField(
        label="Изменения номиналов и правил для детей действуют с",
        widget=DATE_WIDGET,
        help_text=(
            "Новый номинал получат сертификаты, профинансированные с этой даты; уже "
            "зачисленные средства не меняются. Лимит сертификатов и объём средств меняются сразу."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(BAND_ROWS):
            self.fields[f"band_{i}_min"] = _age_field("Возраст от")
            self.fields[f"band_{i}_max"] = _age_field("Возраст до")
            self.fields[f"band_{i}_nominal"] = RublesField(
                label="Номинал, ₽", maximum=NOMINAL_MAX, required=False
            )

    def band_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (self[f"band_{i}_min"], self[f"band_{i}_max"], self[f"band_{i}_nominal"])
            for i in range(BAND_ROWS)
        ]

    @staticmethod
    def initial_for(rules: FinancingRules, today: datetime.date) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "title": rules.title,
            "period_start": rules.period_start,
            "period_end": rules.period_end,
            "max_funded_certificates": rules.max_funded_certificates,
            "budget_cap": format_kopecks(rules.budget_cap, currency=False),
            "max_programs_per_child": rules.max_programs_per_child,
            "billing_regime": rules.billing_regime,
            "advance_percent": rules.advance_percent,
            "certificate_reach": rules.certificate_reach,
            "effective_from": max(today, rules.period_start),
        }
        for i, (lo, hi, nominal) in enumerate(rules.bands[:BAND_ROWS]):
            initial |= {
                f"band_{i}_min": lo,
                f"band_{i}_max": hi,
                f"band_{i}_nominal": format_kopecks(nominal, currency=False),
            }
        return initial

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        bands = []
        for i in range(BAND_ROWS):
            lo, hi, nominal = (cleaned.get(f"band_{i}_{k}") for k in ("min", "max", "nominal"))
            values = (lo, hi, nominal)
            if all(v is None for v in values):
                if any(self.data.get(self.add_prefix(f"band_{i}_{k}")) for k in ("min", "max")):
                    continue  # the field's own error is shown
                continue
            if any(v is None for v in values):
                self.add_error(
                    f"band_{i}_nominal",
                    "Заполните возраст от, возраст до и номинал — или оставьте строку пустой.",
                )
                continue
            bands.append((lo, hi, nominal))
        cleaned["bands"] = tuple(sorted(bands))
        return cleaned

    def rules(self) -> FinancingRules:
        c = self.cleaned_data
        return FinancingRules(
            title=c["title"].strip(),
            period_start=c["period_start"],
            period_end=c["period_end"],
            bands=c["bands"],
            max_funded_certificates=c["max_funded_certificates"],
            budget_cap=c["budget_cap"],
            max_programs_per_child=c["max_programs_per_child"],
            billing_regime=c["billing_regime"],
            advance_percent=c["advance_percent"],
            certificate_reach=c["certificate_reach"],
        )


class PopulationForm(forms.Form):
    bound_field_class = BootstrapBoundField

    as_of = forms.DateField(label="По данным на", widget=DATE_WIDGET)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for age in AGES:
            self.fields[f"age_{age}"] = forms.IntegerField(
                label=f"{age} лет",
                required=False,
                min_value=0,
                max_value=CHILDREN_MAX,
                error_messages={
                    "min_value": "Не меньше 0.",
                    "max_value": "Больше, чем детей в любом регионе: проверьте число.",
                    "invalid": "Целое число детей.",
                },
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )

    def age_fields(self) -> list[forms.BoundField]:
        return [self[f"age_{age}"] for age in AGES]

    def figures(self) -> dict[int, int]:
        return {
            age: self.cleaned_data[f"age_{age}"]
            for age in AGES
            if self.cleaned_data.get(f"age_{age}") is not None
        }


class PopulationImportForm(forms.Form):
    bound_field_class = BootstrapBoundField

    as_of = forms.DateField(label="По данным на", widget=DATE_WIDGET)
    file = forms.FileField(
        label="Файл XLSX",
        help_text=(
            "Первый лист: в столбце A возраст (5–18), в столбце B число детей; строка "
            f"заголовков допускается. Не больше {MAX_IMPORT_BYTES // 1024} КБ."
        ),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(
                f"Файл больше {MAX_IMPORT_BYTES // 1024} КБ: оставьте в нём только таблицу."
            )
        return bytes(upload.read())
