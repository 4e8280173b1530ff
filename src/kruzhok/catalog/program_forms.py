"""Forms about programs: the provider's form of a program (fields its state does not let change
are shown disabled), and the operator's remarks when returning one for changes.

Forms check what a person can get wrong in one field and show every problem at once; the
services check everything again (they are the rule), and their errors land next to the
fields they name.
"""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from kruzhok.catalog.models import (
    Direction,
    FinancingSource,
    ProgramLevel,
    ProgramType,
    StudyForm,
)
from kruzhok.catalog.programs import AGE_MAX, AGE_MIN
from kruzhok.common.forms import BootstrapBoundField, choices_with_prompt, required_message
from kruzhok.common.money import format_kopecks, rubles_to_kopecks
from kruzhok.providers.moderation import REMARKS_MAX_LENGTH


class ProgramForm(forms.Form):
    """Every field of a program; fields its state does not let change are shown disabled."""

    bound_field_class = BootstrapBoundField

    title = forms.CharField(
        label="Название",
        max_length=300,
        error_messages=required_message("Укажите название программы."),
    )
    description = forms.CharField(
        label="Описание",
        help_text="Чему научится ребёнок, как проходят занятия, что взять с собой.",
        error_messages=required_message("Опишите программу: чему научится ребёнок."),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    direction = forms.ChoiceField(
        label="Направленность",
        choices=choices_with_prompt("Выберите направленность", Direction.choices),
        error_messages=required_message("Выберите направленность."),
    )
    program_type = forms.ChoiceField(
        label="Вид программы", choices=ProgramType.choices, initial=ProgramType.GENERAL
    )
    level = forms.ChoiceField(label="Уровень", choices=ProgramLevel.choices)
    age_min = forms.IntegerField(
        label="Возраст от, лет",
        min_value=AGE_MIN,
        max_value=AGE_MAX,
        error_messages={
            "required": "Укажите, с какого возраста программа.",
            "invalid": "Возраст — целое число лет.",
            "min_value": f"Возраст — от {AGE_MIN} до {AGE_MAX} лет.",
            "max_value": f"Возраст — от {AGE_MIN} до {AGE_MAX} лет.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    age_max = forms.IntegerField(
        label="Возраст до, лет",
        min_value=AGE_MIN,
        max_value=AGE_MAX,
        help_text="Включительно.",
        error_messages={
            "required": "Укажите, до какого возраста программа.",
            "invalid": "Возраст — целое число лет.",
            "min_value": f"Возраст — от {AGE_MIN} до {AGE_MAX} лет.",
            "max_value": f"Возраст — от {AGE_MIN} до {AGE_MAX} лет.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    study_form = forms.ChoiceField(label="Форма обучения", choices=StudyForm.choices)
    duration_months = forms.IntegerField(
        label="Продолжительность, месяцев",
        min_value=1,
        max_value=120,
        error_messages={
            "required": "Укажите продолжительность в месяцах.",
            "invalid": "Продолжительность — целое число месяцев.",
            "min_value": "Продолжительность — не меньше одного месяца.",
            "max_value": "Продолжительность — не больше 120 месяцев.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    hours_per_week = forms.IntegerField(
        label="Академических часов в неделю",
        min_value=1,
        max_value=40,
        error_messages={
            "required": "Укажите нагрузку в академических часах в неделю.",
            "invalid": "Нагрузка — целое число часов.",
            "min_value": "Укажите хотя бы один академический час в неделю.",
            "max_value": "Не больше 40 академических часов в неделю.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    price_per_hour = forms.CharField(
        label="Стоимость академического часа, ₽",
        max_length=20,
        help_text="Например, 150 или 150,50. Для бесплатной программы — 0.",
        error_messages=required_message("Укажите стоимость часа в рублях."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    financing_source = forms.ChoiceField(
        label="Источник финансирования", choices=FinancingSource.choices
    )
    accessible_ovz = forms.BooleanField(label="Подходит детям с ОВЗ", required=False)
    address = forms.CharField(
        label="Адрес проведения занятий",
        max_length=500,
        required=False,
        help_text="Обязателен для очных и очно-заочных программ.",
    )

    def __init__(self, *args: Any, editable: frozenset[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editable is not None:
            for name, field in self.fields.items():
                if name not in editable:
                    field.disabled = True

    @staticmethod
    def initial_for(program: Any) -> dict[str, Any]:
        initial = {name: getattr(program, name) for name in ProgramForm.base_fields}
        initial["price_per_hour"] = format_kopecks(program.price_per_hour, currency=False)
        return initial

    def clean_price_per_hour(self) -> int:
        value = self.cleaned_data["price_per_hour"]
        if isinstance(value, int):  # a disabled field gives back its initial value
            return value
        try:
            kopecks = rubles_to_kopecks(value)
        except ValueError as exc:
            raise ValidationError(
                "Укажите стоимость в рублях, например 150 или 150,50.", code="invalid"
            ) from exc
        if kopecks < 0:
            raise ValidationError("Стоимость не может быть отрицательной.", code="negative")
        return kopecks

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        age_min, age_max = cleaned.get("age_min"), cleaned.get("age_max")
        if age_min is not None and age_max is not None and age_min > age_max:
            self.add_error("age_max", "Возраст «до» не может быть меньше возраста «от».")
        return cleaned


class ProgramReturnForm(forms.Form):
    bound_field_class = BootstrapBoundField

    remarks = forms.CharField(
        label="Замечания",
        max_length=REMARKS_MAX_LENGTH,
        help_text="Что исправить в программе, чтобы её можно было опубликовать.",
        error_messages={
            "required": "Напишите, что исправить: замечания прочитает организация.",
            "max_length": f"Напишите короче: не больше {REMARKS_MAX_LENGTH} знаков.",
        },
        widget=forms.Textarea(attrs={"rows": 4}),
    )
