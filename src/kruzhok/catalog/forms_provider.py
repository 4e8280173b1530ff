"""Forms of the provider's cabinet: programs and groups.

Forms check what a person can get wrong in one field and show every problem at once; the
services check everything again (they are the rule), and their errors land next to the
fields they name.
"""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from kruzhok.accounts.models import User
from kruzhok.catalog.groups import SLOT_HOURS_MAX
from kruzhok.catalog.models import (
    Direction,
    FinancingSource,
    ProgramLevel,
    ProgramType,
    ScheduleEntry,
    StudyForm,
    Weekday,
)
from kruzhok.catalog.programs import AGE_MAX, AGE_MIN
from kruzhok.common.forms import BootstrapBoundField, choices_with_prompt, required_message
from kruzhok.common.money import format_kopecks, rubles_to_kopecks

# Programs ----------------------------------------------------------------------------------


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


# Groups ------------------------------------------------------------------------------------


class TeacherChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.full_name)


class GroupForm(forms.Form):
    bound_field_class = BootstrapBoundField

    name = forms.CharField(
        label="Название группы",
        max_length=200,
        help_text="Например, «Группа 1» или «Младшие, вторник и четверг».",
        error_messages=required_message("Дайте группе название, например «Группа 1»."),
    )
    teacher = TeacherChoiceField(
        label="Педагог",
        queryset=User.objects.none(),
        required=False,
        empty_label="Назначу позже",
        error_messages={"invalid_choice": "Выберите педагога из сотрудников организации."},
    )
    capacity = forms.IntegerField(
        label="Мест в группе",
        min_value=1,
        max_value=500,
        error_messages={
            "required": "Укажите, сколько детей в группе.",
            "invalid": "Число мест — целое число.",
            "min_value": "В группе должно быть хотя бы одно место.",
            "max_value": "Не больше 500 мест.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    start_date = forms.DateField(
        label="Начало занятий",
        error_messages={"required": "Укажите дату начала.", "invalid": "Проверьте дату."},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end_date = forms.DateField(
        label="Окончание занятий",
        error_messages={"required": "Укажите дату окончания.", "invalid": "Проверьте дату."},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    enrollment_open = forms.BooleanField(label="Запись открыта", required=False, initial=True)
    auto_accept = forms.BooleanField(
        label="Принимать заявки автоматически, пока есть места", required=False
    )

    def __init__(self, *args: Any, teachers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teacher = self.fields["teacher"]
        assert isinstance(teacher, forms.ModelChoiceField)
        teacher.queryset = teachers

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "Окончание занятий не может быть раньше начала.")
        return cleaned


class ScheduleSlotForm(forms.Form):
    """One weekly class; a row left empty is no class."""

    bound_field_class = BootstrapBoundField

    weekday = forms.TypedChoiceField(
        label="День недели",
        required=False,
        coerce=int,
        empty_value=None,
        choices=choices_with_prompt(
            "—", ((value, label.capitalize()) for value, label in Weekday.choices)
        ),
    )
    start_time = forms.TimeField(
        label="Начало",
        required=False,
        error_messages={"invalid": "Укажите время, например 15:30."},
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    hours = forms.IntegerField(
        label="Ак. часов",
        required=False,
        min_value=1,
        max_value=SLOT_HOURS_MAX,
        error_messages={
            "invalid": "Число часов — целое число.",
            "min_value": "Хотя бы один академический час.",
            "max_value": f"Не больше {SLOT_HOURS_MAX} академических часов.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        weekday, start_time = cleaned.get("weekday"), cleaned.get("start_time")
        filled = weekday is not None or start_time is not None or cleaned.get("hours")
        if filled and not self.errors:
            if weekday is None:
                self.add_error("weekday", "Выберите день недели.")
            if start_time is None:
                self.add_error("start_time", "Укажите время начала.")
            if not cleaned.get("hours"):
                self.add_error("hours", "Укажите, сколько академических часов длится занятие.")
        return cleaned

    def entry(self) -> ScheduleEntry | None:
        data = self.cleaned_data
        if data.get("weekday") is None or data.get("start_time") is None:
            return None
        return (data["weekday"], data["start_time"], data["hours"])


class BaseScheduleFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        entries = self.entries()
        if not entries:
            raise ValidationError("Добавьте в расписание хотя бы одно занятие.", code="empty")
        seen: set[tuple[int, datetime.time]] = set()
        for weekday, start_time, _hours in entries:
            if (weekday, start_time) in seen:
                raise ValidationError(
                    f"Занятие в {Weekday(weekday).label} в {start_time:%H:%M} указано дважды.",
                    code="duplicate",
                )
            seen.add((weekday, start_time))

    def entries(self) -> list[ScheduleEntry]:
        result = []
        for form in self.forms:
            assert isinstance(form, ScheduleSlotForm)
            entry = form.entry() if form.is_valid() else None
            if entry is not None:
                result.append(entry)
        return result


SCHEDULE_ROWS = 3

ScheduleFormSet = forms.formset_factory(
    ScheduleSlotForm, formset=BaseScheduleFormSet, extra=0, max_num=14, absolute_max=14
)


def schedule_formset(data: Any = None, *, initial: list[dict[str, Any]] | None = None) -> Any:
    """The schedule rows: the current classes and empty rows up to SCHEDULE_ROWS (at least one)."""
    initial = list(initial or [])
    rows = initial + [{} for _ in range(max(1, SCHEDULE_ROWS - len(initial)))]
    formset = ScheduleFormSet(data, initial=rows, prefix="schedule")
    return formset
