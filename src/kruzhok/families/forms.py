import datetime
from typing import Any

from django import forms
from django.utils import timezone

from kruzhok.accounts.forms import ParentRegistrationForm
from kruzhok.common.forms import BootstrapBoundField
from kruzhok.common.validators import normalize_digits, validate_person_name, validate_snils
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
