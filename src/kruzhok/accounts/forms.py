from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.core.exceptions import ValidationError

from kruzhok.accounts.models import User
from kruzhok.accounts.services import CONSENT_REQUIRED_MESSAGE
from kruzhok.accounts.validators import normalize_email, normalize_phone
from kruzhok.common.forms import BootstrapBoundField
from kruzhok.common.models import Municipality
from kruzhok.common.validators import validate_person_name


class RegistrationForm(forms.Form):
    bound_field_class = BootstrapBoundField

    last_name = forms.CharField(
        label="Фамилия",
        max_length=100,
        error_messages={"required": "Укажите фамилию."},
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    first_name = forms.CharField(
        label="Имя",
        max_length=100,
        error_messages={"required": "Укажите имя."},
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    patronymic = forms.CharField(
        label="Отчество",
        max_length=100,
        required=False,
        help_text="Если есть.",
        widget=forms.TextInput(attrs={"autocomplete": "additional-name"}),
    )
    email = forms.EmailField(
        label="Электронная почта",
        help_text="На неё придёт письмо со ссылкой для подтверждения; по ней же вы будете входить.",
        error_messages={
            "required": "Укажите адрес электронной почты.",
            "invalid": "Проверьте адрес электронной почты: например, ivanova@mail.ru.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "placeholder": "ivanova@mail.ru"}),
    )
    phone = forms.CharField(
        label="Телефон",
        max_length=30,
        error_messages={"required": "Укажите номер телефона."},
        widget=forms.TextInput(
            attrs={
                "type": "tel",
                "inputmode": "tel",
                "autocomplete": "tel",
                "placeholder": "+7 900 123-45-67",
            }
        ),
    )
    municipality = forms.ModelChoiceField(
        label="Муниципалитет",
        queryset=Municipality.objects.all(),
        empty_label="Выберите муниципалитет",
        help_text="Где живёт ребёнок: от этого зависит сертификат и каталог кружков.",
        error_messages={
            "required": "Выберите муниципалитет, в котором живёт ребёнок.",
            "invalid_choice": "Выберите муниципалитет из списка.",
        },
    )
    password1 = forms.CharField(
        label="Пароль",
        strip=False,
        help_text="Не короче 8 символов, не только из цифр и не из списка простых паролей.",
        error_messages={"required": "Придумайте пароль."},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Пароль ещё раз",
        strip=False,
        help_text="Чтобы не ошибиться при вводе.",
        error_messages={"required": "Повторите пароль."},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self) -> str:
        # Whether the address is registered is never said here: the owner gets a letter.
        return normalize_email(self.cleaned_data["email"])

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data["phone"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", ValidationError("Пароли не совпадают.", code="mismatch"))
        if password1:
            candidate = User(
                email=cleaned.get("email") or "",
                last_name=cleaned.get("last_name") or "",
                first_name=cleaned.get("first_name") or "",
            )
            try:
                password_validation.validate_password(password1, user=candidate)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class ParentRegistrationForm(RegistrationForm):
    """A parent registers with the consent to the processing of personal data."""

    consent = forms.BooleanField(
        label="Я даю согласие на обработку моих персональных данных и данных моих детей",
        error_messages={"required": CONSENT_REQUIRED_MESSAGE},
    )


class ConsentForm(forms.Form):
    """A member of staff agrees, at their first log-in, to the processing of personal data."""

    bound_field_class = BootstrapBoundField

    consent = forms.BooleanField(
        label="Я даю согласие на обработку моих персональных данных",
        error_messages={"required": CONSENT_REQUIRED_MESSAGE},
    )


class LoginForm(AuthenticationForm):
    """Log in by e-mail address (case does not matter) and password."""

    bound_field_class = BootstrapBoundField

    error_messages = {
        "invalid_login": (
            "Неверная электронная почта или пароль. Проверьте раскладку клавиатуры и Caps Lock."
        ),
        "inactive": "Эта учётная запись отключена. Обратитесь в муниципальный опорный центр.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.label = "Электронная почта"
        username.error_messages["required"] = "Укажите адрес электронной почты."
        username.widget = forms.EmailInput(
            attrs={"autocomplete": "email", "autofocus": True, "placeholder": "ivanova@mail.ru"}
        )
        password = self.fields["password"]
        password.label = "Пароль"
        password.error_messages["required"] = "Введите пароль."

    def clean_username(self) -> str:
        return normalize_email(self.cleaned_data.get("username") or "")


class ResetRequestForm(PasswordResetForm):
    """Django's password reset request: a letter goes only to an active account with that
    address, and the page after it is the same whether or not one exists."""

    bound_field_class = BootstrapBoundField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        email = self.fields["email"]
        email.label = "Электронная почта"
        email.help_text = "Адрес, с которым вы входите на портал."
        email.error_messages.update(
            {
                "required": "Укажите адрес электронной почты.",
                "invalid": "Проверьте адрес электронной почты: например, ivanova@mail.ru.",
            }
        )

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data["email"])


class NewPasswordForm(SetPasswordForm):
    bound_field_class = BootstrapBoundField


class ChangePasswordForm(PasswordChangeForm):
    bound_field_class = BootstrapBoundField


class ProfileForm(forms.Form):
    """A person's name and phone; the service checks them again (letters only, +7…)."""

    bound_field_class = BootstrapBoundField

    last_name = RegistrationForm.base_fields["last_name"]
    first_name = RegistrationForm.base_fields["first_name"]
    patronymic = RegistrationForm.base_fields["patronymic"]
    phone = RegistrationForm.base_fields["phone"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for field in ("last_name", "first_name", "patronymic"):
            try:
                validate_person_name(cleaned.get(field) or "")
            except ValidationError as exc:
                self.add_error(field, exc)
        return cleaned

    def __init__(self, *args: Any, phone_required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone"].required = phone_required

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        return normalize_phone(phone) if phone or self.fields["phone"].required else ""


class EmailChangeForm(forms.Form):
    bound_field_class = BootstrapBoundField

    email = forms.EmailField(
        label="Новый адрес",
        max_length=254,
        error_messages={
            "required": "Укажите новый адрес электронной почты.",
            "invalid": "Проверьте адрес электронной почты: например, ivanova@mail.ru.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "placeholder": "ivanova@mail.ru"}),
    )
    password = forms.CharField(
        label="Пароль",
        strip=False,
        help_text="Ваш нынешний пароль: адрес для входа меняет только владелец.",
        error_messages={"required": "Введите пароль."},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
