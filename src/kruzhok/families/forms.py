from typing import Any

from django import forms
from django.utils import timezone

from kruzhok.common.forms import BootstrapBoundField
from kruzhok.common.validators import normalize_digits, validate_snils


class ChildForm(forms.Form):
    bound_field_class = BootstrapBoundField

    last_name = forms.CharField(
        label="Фамилия",
        max_length=100,
        error_messages={"required": "Укажите фамилию ребёнка."},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    first_name = forms.CharField(
        label="Имя",
        max_length=100,
        error_messages={"required": "Укажите имя ребёнка."},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    patronymic = forms.CharField(
        label="Отчество",
        max_length=100,
        required=False,
        help_text="Если есть.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    birth_date = forms.DateField(
        label="Дата рождения",
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        error_messages={
            "required": "Укажите дату рождения ребёнка.",
            "invalid": "Укажите дату рождения в формате ДД.ММ.ГГГГ, например 15.03.2015.",
        },
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    snils = forms.CharField(
        label="СНИЛС ребёнка",
        max_length=20,
        help_text="11 цифр, как в документе: например 123-456-789 01.",
        error_messages={"required": "Укажите СНИЛС ребёнка."},
        widget=forms.TextInput(
            attrs={"placeholder": "123-456-789 01", "inputmode": "numeric", "autocomplete": "off"}
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["birth_date"].widget.attrs["max"] = timezone.localdate().isoformat()

    def clean_snils(self) -> str:
        snils = normalize_digits(self.cleaned_data["snils"])
        validate_snils(snils)
        return snils
