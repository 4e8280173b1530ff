"""Forms of the provider's pages: joining, the profile, staff invitations; and the operator's
reason for refusing a provider.

Forms check what a person can get wrong in one field and show every problem at once; the
services check everything again (they are the rule), and their errors land next to the
fields they name.
"""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from kruzhok.accounts.forms import RegistrationForm
from kruzhok.accounts.validators import normalize_phone
from kruzhok.common.forms import BootstrapBoundField, choices_with_prompt, required_message
from kruzhok.common.models import Municipality
from kruzhok.providers.bank_details import bank_details_errors
from kruzhok.providers.models import ProviderKind, StaffRole
from kruzhok.providers.moderation import REMARKS_MAX_LENGTH
from kruzhok.providers.services import provider_identity_validate


class _OrganisationFields(forms.Form):
    """The provider's contacts and bank details, shared by joining and the profile."""

    bound_field_class = BootstrapBoundField

    full_name = forms.CharField(
        label="Полное наименование",
        max_length=500,
        help_text="Как в выписке из ЕГРЮЛ или ЕГРИП.",
        error_messages=required_message("Укажите полное наименование."),
    )
    short_name = forms.CharField(
        label="Краткое наименование",
        max_length=200,
        help_text="Так организацию увидят родители в каталоге.",
        error_messages=required_message("Укажите краткое наименование."),
    )
    license_number = forms.CharField(
        label="Номер лицензии на образовательную деятельность",
        max_length=100,
        required=False,
        help_text="Индивидуальному предпринимателю, который ведёт занятия сам, лицензия не нужна.",
    )
    address = forms.CharField(
        label="Адрес",
        max_length=500,
        error_messages=required_message("Укажите адрес организации."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    org_phone = forms.CharField(
        label="Телефон организации",
        max_length=30,
        error_messages=required_message("Укажите телефон организации."),
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "tel", "placeholder": "+7 865 582-00-00"}
        ),
    )
    org_email = forms.EmailField(
        label="Электронная почта организации",
        help_text="Её увидят родители на странице программы.",
        error_messages={
            "required": "Укажите электронную почту организации.",
            "invalid": "Проверьте адрес электронной почты: например, info@dom-tvorchestva.ru.",
        },
    )
    website = forms.URLField(
        label="Сайт",
        required=False,
        assume_scheme="https",
        error_messages={"invalid": "Проверьте адрес сайта: например, https://dom-tvorchestva.ru."},
    )
    bank_name = forms.CharField(
        label="Банк",
        max_length=300,
        error_messages=required_message("Укажите банк, в котором открыт расчётный счёт."),
        help_text="На этот счёт будут приходить оплаты за занятия по сертификатам.",
    )
    bik = forms.CharField(
        label="БИК банка",
        max_length=20,
        error_messages=required_message("Укажите БИК банка: 9 цифр."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "040702615"}),
    )
    settlement_account = forms.CharField(
        label="Расчётный счёт",
        max_length=30,
        error_messages=required_message("Укажите расчётный счёт: 20 цифр."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    correspondent_account = forms.CharField(
        label="Корреспондентский счёт банка",
        max_length=30,
        error_messages=required_message("Укажите корреспондентский счёт банка: 20 цифр."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )

    def clean_org_phone(self) -> str:
        return normalize_phone(self.cleaned_data["org_phone"])

    def _clean_bank_details(self, cleaned: dict[str, Any]) -> None:
        names = ("bik", "settlement_account", "correspondent_account")
        if any(name not in cleaned for name in names):
            return
        details, errors = bank_details_errors(
            bik=cleaned["bik"],
            settlement_account=cleaned["settlement_account"],
            correspondent_account=cleaned["correspondent_account"],
            required=True,
        )
        for name, messages in errors.items():
            self.add_error(name, messages)
        for name, value in zip(names, details, strict=True):
            if name in self.cleaned_data:
                self.cleaned_data[name] = value

    def _clean_license(self, kind: str | None, cleaned: dict[str, Any]) -> None:
        if kind == ProviderKind.ORGANIZATION and not cleaned.get("license_number"):
            self.add_error(
                "license_number", "Укажите номер лицензии на образовательную деятельность."
            )


class ProviderJoinForm(RegistrationForm, _OrganisationFields):
    """A person registers as the administrator of a provider that asks to join."""

    municipality = forms.ModelChoiceField(
        label="Муниципалитет",
        queryset=Municipality.objects.all(),
        empty_label="Выберите муниципалитет",
        help_text="Где организация ведёт занятия: заявку проверит его оператор.",
        error_messages={
            "required": "Выберите муниципалитет, в котором работает организация.",
            "invalid_choice": "Выберите муниципалитет из списка.",
        },
    )
    kind = forms.ChoiceField(
        label="Кто вы",
        choices=choices_with_prompt("Выберите", ProviderKind.choices),
        error_messages=required_message(
            "Укажите, организация это или индивидуальный предприниматель."
        ),
    )
    inn = forms.CharField(
        label="ИНН",
        max_length=20,
        help_text="10 цифр у организации, 12 — у индивидуального предпринимателя.",
        error_messages=required_message("Укажите ИНН."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    ogrn = forms.CharField(
        label="ОГРН или ОГРНИП",
        max_length=20,
        help_text="13 цифр у организации (ОГРН), 15 — у предпринимателя (ОГРНИП).",
        error_messages=required_message("Укажите ОГРН или ОГРНИП."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )

    field_order = [
        "kind",
        "full_name",
        "short_name",
        "inn",
        "ogrn",
        "license_number",
        "municipality",
        "address",
        "org_phone",
        "org_email",
        "website",
        "bank_name",
        "bik",
        "settlement_account",
        "correspondent_account",
        "last_name",
        "first_name",
        "patronymic",
        "email",
        "phone",
        "password1",
        "password2",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[
            "email"
        ].help_text = (
            "Ваша личная почта для входа: на неё придёт письмо со ссылкой для подтверждения."
        )
        self.fields["phone"].label = "Ваш телефон"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        kind, inn, ogrn = cleaned.get("kind"), cleaned.get("inn"), cleaned.get("ogrn")
        if kind and inn and ogrn:
            try:
                cleaned["inn"], cleaned["ogrn"] = provider_identity_validate(
                    kind=kind, inn=inn, ogrn=ogrn
                )
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    self.add_error(field, messages)
        self._clean_license(kind, cleaned)
        self._clean_bank_details(cleaned)
        return cleaned


class ProviderProfileForm(_OrganisationFields):
    """The provider's names, licence, contacts and bank details, kept by its administrator."""

    kpp = forms.CharField(
        label="КПП",
        max_length=12,
        required=False,
        help_text="Есть у организации (9 знаков), у индивидуального предпринимателя нет. "
        "Попадает в счета и платёжные поручения.",
        widget=forms.TextInput(attrs={"placeholder": "263401001"}),
    )

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        self.kind = kind
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._clean_license(self.kind, cleaned)
        self._clean_bank_details(cleaned)
        return cleaned


class StaffInviteForm(forms.Form):
    bound_field_class = BootstrapBoundField

    email = forms.EmailField(
        label="Электронная почта сотрудника",
        help_text="На неё придёт письмо со ссылкой. Ссылка действует 7 дней.",
        error_messages={
            "required": "Укажите адрес электронной почты.",
            "invalid": "Проверьте адрес электронной почты: например, ivanova@mail.ru.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label="Роль",
        choices=StaffRole.choices,
        initial=StaffRole.TEACHER,
        help_text="Педагог ведёт журнал своих групп; администратор ведёт программы, группы и "
        "сотрудников.",
        error_messages=required_message("Выберите роль."),
    )


class InvitationRegistrationForm(RegistrationForm):
    """A person new to the portal accepts an invitation: the address comes from it."""

    email = None  # type: ignore[assignment]
    municipality = None  # type: ignore[assignment]


# Moderation --------------------------------------------------------------------------------


class ProviderRejectForm(forms.Form):
    bound_field_class = BootstrapBoundField

    reason = forms.CharField(
        label="Причина отказа",
        max_length=REMARKS_MAX_LENGTH,
        help_text="Её прочитает администратор организации: напишите, что исправить.",
        error_messages={
            "required": "Напишите причину: её прочитает организация.",
            "max_length": f"Напишите короче: не больше {REMARKS_MAX_LENGTH} знаков.",
        },
        widget=forms.Textarea(attrs={"rows": 4}),
    )
