"""Forms about groups: a group of a program and its weekly schedule, one row a class.

Forms check what a person can get wrong in one field and show every problem at once; the
services check everything again (they are the rule), and their errors land next to the
fields they name.
"""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from kruzhok.accounts.models import User
from kruzhok.catalog.groups import CAPACITY_MAX, SLOT_HOURS_MAX
from kruzhok.catalog.models import ScheduleEntry, Weekday
from kruzhok.common.bounds import BoundedDateField
from kruzhok.common.forms import BootstrapBoundField, choices_with_prompt, required_message


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
        max_value=CAPACITY_MAX,
        error_messages={
            "required": "Укажите, сколько детей в группе.",
            "invalid": "Число мест — целое число.",
            "min_value": "В группе должно быть хотя бы одно место.",
            "max_value": f"Не больше {CAPACITY_MAX} мест.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    start_date = BoundedDateField(
        label="Начало занятий",
        error_messages={"required": "Укажите дату начала.", "invalid": "Проверьте дату."},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end_date = BoundedDateField(
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
