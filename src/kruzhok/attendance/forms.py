from django import forms

from kruzhok.attendance.lessons import REASON_MAX_LENGTH
from kruzhok.common.bounds import BoundedDateField
from kruzhok.common.forms import BootstrapBoundField


class LessonCancelForm(forms.Form):
    bound_field_class = BootstrapBoundField

    reason = forms.CharField(
        label="Причина отмены",
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Её увидят родители в уведомлении.",
        error_messages={"required": "Напишите причину отмены: её увидят родители."},
    )


class LessonMoveForm(forms.Form):
    bound_field_class = BootstrapBoundField

    new_date = BoundedDateField(
        label="Новая дата",
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Укажите новую дату.",
            "invalid": "Дата — в виде 28.11.2026.",
        },
    )
    new_start_time = forms.TimeField(
        label="Начало",
        input_formats=["%H:%M"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": "Укажите время начала.", "invalid": "Время — в виде 15:30."},
    )
    reason = forms.CharField(
        label="Причина переноса",
        max_length=REASON_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
