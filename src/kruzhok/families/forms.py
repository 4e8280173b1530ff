import datetime
from typing import Any

from django import forms
from django.utils import timezone

from kruzhok.accounts.forms import ParentRegistrationForm
from kruzhok.common.bounds import BoundedDateField
from kruzhok.common.forms import BootstrapBoundField
from kruzhok.common.validators import normalize_digits, validate_person_name, validate_snils
from kruzhok.families.models import CorrectionField
from kruzhok.families.services import validate_child_birth_date

# The example in the help text is a real-looking number whose check digits add up.
SNILS_EXAMPLE = "112-233-445 95"


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
        help_text=f"11 цифр, как в документе: например {SNILS_EXAMPLE}.",
        error_messages={"required": "Укажите СНИЛС ребёнка."},
        widget=forms.TextInput(
            attrs={"placeholder": SNILS_EXAMPLE, "inputmode": "numeric", "autocomplete": "off"}
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["birth_date"].widget.attrs["max"] = timezone.localdate().isoformat()

    def clean_last_name(self) -> str:
        return self._name("last_name")

    def clean_first_name(self) -> str:
        return self._name("first_name")

    def clean_patronymic(self) -> str:
        return self._name("patronymic")

    def _name(self, field: str) -> str:
        value = " ".join(self.cleaned_data[field].split())
        validate_person_name(value)
        return value

    def clean_birth_date(self) -> datetime.date:
        # Checked here too, so a date in the future is reported with every other field's error.
        birth_date: datetime.date = self.cleaned_data["birth_date"]
        validate_child_birth_date(birth_date, today=timezone.localdate())
        return birth_date

    def clean_snils(self) -> str:
        snils = normalize_digits(self.cleaned_data["snils"])
        validate_snils(snils)
        return snils


class GuardianInviteForm(forms.Form):
    """A guardian invites a second parent or guardian to some of their children."""

    bound_field_class = BootstrapBoundField

    email = forms.EmailField(
        label="Электронная почта второго родителя",
        max_length=254,
        help_text="На неё придёт письмо со ссылкой; приглашение действует 7 дней.",
        error_messages={
            "required": "Укажите адрес электронной почты второго родителя.",
            "invalid": "Проверьте адрес электронной почты: например, ivanova@mail.ru.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off", "placeholder": "ivanov@mail.ru"}),
    )
    children = forms.TypedMultipleChoiceField(
        label="Дети",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text="Кого из детей будет видеть второй родитель.",
        error_messages={
            "required": "Отметьте хотя бы одного ребёнка.",
            "invalid_choice": "Отметьте детей из списка.",
        },
    )

    def __init__(self, *args: Any, children: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["children"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = children
        if not self.is_bound:
            self.initial.setdefault("children", [pk for pk, _ in children])


class GuardianRegistrationForm(ParentRegistrationForm):
    """A person new to the portal accepts a guardian's invitation: the address comes from it."""

    email = None  # type: ignore[assignment]


class ChildCorrectionForm(forms.Form):
    """A guardian asks to correct the child's СНИЛС or birth date; the operator decides."""

    bound_field_class = BootstrapBoundField

    field = forms.ChoiceField(
        label="Что исправить",
        choices=CorrectionField.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Выберите, что исправить: СНИЛС или дату рождения.",
            "invalid_choice": "Выберите, что исправить: СНИЛС или дату рождения.",
        },
    )
    snils = forms.CharField(
        label="Правильный СНИЛС",
        max_length=20,
        required=False,
        help_text=f"Если исправляете СНИЛС: 11 цифр, как в документе, например {SNILS_EXAMPLE}.",
        widget=forms.TextInput(
            attrs={"placeholder": SNILS_EXAMPLE, "inputmode": "numeric", "autocomplete": "off"}
        ),
    )
    birth_date = BoundedDateField(
        label="Правильная дата рождения",
        required=False,
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        help_text="Если исправляете дату рождения.",
        error_messages={
            "invalid": "Укажите дату рождения в формате ДД.ММ.ГГГГ, например 15.03.2015.",
        },
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(
        label="Почему нужно исправить",
        max_length=1000,
        help_text="Например: «ошибка в одной цифре, СНИЛС по документу — как указано». "
        "Оператор может попросить показать документ.",
        error_messages={
            "required": "Напишите, почему нужно исправить.",
            "max_length": "Напишите короче: не больше 1000 знаков.",
        },
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        field = cleaned.get("field")
        if field == CorrectionField.SNILS and not cleaned.get("snils"):
            self.add_error("snils", "Укажите правильный СНИЛС ребёнка.")
        if (
            field == CorrectionField.BIRTH_DATE
            and not cleaned.get("birth_date")
            and "birth_date" not in self.errors
        ):
            self.add_error("birth_date", "Укажите правильную дату рождения.")
        return cleaned

    @property
    def new_value(self) -> "str | datetime.date":
        if self.cleaned_data["field"] == CorrectionField.SNILS:
            return str(self.cleaned_data["snils"])
        value: datetime.date = self.cleaned_data["birth_date"]
        return value


class CorrectionRejectForm(forms.Form):
    bound_field_class = BootstrapBoundField

    note = forms.CharField(
        label="Ответ родителю",
        max_length=1000,
        help_text="Почему отказано и что сделать: например, принести документ в опорный центр.",
        error_messages={
            "required": "Напишите, почему отказано: ответ прочитает родитель.",
            "max_length": "Напишите короче: не больше 1000 знаков.",
        },
        widget=forms.Textarea(attrs={"rows": 3}),
    )
