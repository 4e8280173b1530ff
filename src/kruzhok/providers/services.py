"""Provider writes: a provider and its numbers, its staff, its profile kept by its
administrator; and the word to the municipality's operators when something waits for them.

Every function validates what a user could get wrong and raises django's ValidationError keyed by
field, in Russian, so that forms and the API can show the message next to the field. Joining
is in `providers.joining`, staff invitations in `providers.invitations`, the operator's
decisions in `providers.moderation`.
"""

import re
from typing import Protocol

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse

from kruzhok.accounts.models import Role, User
from kruzhok.accounts.validators import normalize_email, normalize_phone
from kruzhok.common.field_errors import Errors, error_add, errors_merge, full_clean_or_raise
from kruzhok.common.models import Municipality
from kruzhok.common.services import audit_record
from kruzhok.common.validators import normalize_digits, validate_inn, validate_ogrn
from kruzhok.notifications.services import notify
from kruzhok.providers.bank_details import bank_details_errors
from kruzhok.providers.models import (
    Provider,
    ProviderKind,
    ProviderStaff,
    ProviderStatus,
    StaffRole,
)
from kruzhok.providers.selectors import staff_role

# Lengths of ИНН and ОГРН/ОГРНИП by kind of provider.
_INN_LENGTH = {ProviderKind.ORGANIZATION: 10, ProviderKind.ENTREPRENEUR: 12}
_OGRN_LENGTH = {ProviderKind.ORGANIZATION: 13, ProviderKind.ENTREPRENEUR: 15}

# Provider fields a provider's administrator keeps up to date. Kind, ИНН, ОГРН and
# municipality identify the provider and are corrected by the operator.
PROFILE_FIELDS = (
    "full_name",
    "short_name",
    "license_number",
    "address",
    "phone",
    "email",
    "website",
    "kpp",
    "bank_name",
    "bik",
    "settlement_account",
    "correspondent_account",
)
_BANK_FIELDS = ("kpp", "bank_name", "bik", "settlement_account", "correspondent_account")
KPP = re.compile(r"[0-9]{4}[0-9A-Z]{2}[0-9]{3}")


# The provider's name, heard above -----------------------------------------------------------


class ProviderHook(Protocol):
    def __call__(self, *, provider: Provider) -> object: ...


# Apps above this one keep copies of a provider's name (the catalogue's programs have it in
# their search documents). They cannot be imported from here, so each registers from its
# AppConfig.ready what to redo when the name changes.
_renamed_hooks: list[ProviderHook] = []


def provider_renamed_connect(hook: ProviderHook) -> None:
    """Have `hook(provider=...)` called, inside the transaction, whenever a provider is renamed."""
    if hook not in _renamed_hooks:
        _renamed_hooks.append(hook)


def provider_renamed(*, provider: Provider) -> None:
    """Tell the apps above that the provider's short name has changed (the admin calls it too)."""
    for hook in _renamed_hooks:
        hook(provider=provider)


# Identity and creation ----------------------------------------------------------------------


def _identity_errors(*, kind: str, inn: str, ogrn: str) -> Errors:
    errors: Errors = {}
    if kind not in ProviderKind.values:
        error_add(errors, "kind", "Укажите, организация это или индивидуальный предприниматель.")
        return errors
    is_org = kind == ProviderKind.ORGANIZATION
    if len(inn) != _INN_LENGTH[ProviderKind(kind)] and inn.isdigit():
        error_add(
            errors,
            "inn",
            "ИНН организации состоит из 10 цифр."
            if is_org
            else "ИНН предпринимателя состоит из 12 цифр.",
        )
    else:
        try:
            validate_inn(inn)
        except ValidationError as exc:
            errors.setdefault("inn", []).extend(exc.messages)
    if len(ogrn) != _OGRN_LENGTH[ProviderKind(kind)] and ogrn.isdigit():
        error_add(
            errors,
            "ogrn",
            "ОГРН организации состоит из 13 цифр."
            if is_org
            else "ОГРНИП предпринимателя состоит из 15 цифр.",
        )
    else:
        try:
            validate_ogrn(ogrn)
        except ValidationError as exc:
            errors.setdefault("ogrn", []).extend(exc.messages)
    return errors


def provider_identity_validate(*, kind: str, inn: str, ogrn: str) -> tuple[str, str]:
    """ИНН and ОГРН/ОГРНИП as bare digits, checked by length for the kind and by checksum.

    Raises ValidationError keyed by "kind", "inn" and "ogrn".
    """
    inn, ogrn = normalize_digits(inn), normalize_digits(ogrn)
    errors = _identity_errors(kind=kind, inn=inn, ogrn=ogrn)
    if errors:
        raise ValidationError(errors)
    return inn, ogrn


@transaction.atomic
def provider_create(
    *,
    kind: str,
    full_name: str,
    short_name: str,
    inn: str,
    ogrn: str,
    license_number: str,
    address: str,
    municipality: Municipality,
    phone: str = "",
    email: str = "",
    website: str = "",
    bank_name: str = "",
    bik: str = "",
    settlement_account: str = "",
    correspondent_account: str = "",
    status: str = ProviderStatus.MODERATING,
) -> Provider:
    """A new provider, on moderation unless told otherwise.

    Guarantees: ИНН has 10 digits for an organisation and 12 for an entrepreneur, ОГРН 13 and
    ОГРНИП 15, all with valid checksums; ИНН and ОГРН are not registered to another provider;
    bank details, when given, are БИК of 9 digits and accounts of 20 whose control keys agree
    with the БИК.
    """
    inn, ogrn = normalize_digits(inn), normalize_digits(ogrn)
    errors = _identity_errors(kind=kind, inn=inn, ogrn=ogrn)
    (bik, settlement_account, correspondent_account), bank_errors = bank_details_errors(
        bik=bik,
        settlement_account=settlement_account,
        correspondent_account=correspondent_account,
        required=False,
    )
    errors.update(bank_errors)
    if "inn" not in errors and Provider.objects.filter(inn=inn).exists():
        error_add(errors, "inn", "Поставщик с таким ИНН уже зарегистрирован.")
    if "ogrn" not in errors and Provider.objects.filter(ogrn=ogrn).exists():
        error_add(errors, "ogrn", "Поставщик с таким ОГРН уже зарегистрирован.")
    provider = Provider(
        kind=kind,
        full_name=full_name.strip(),
        short_name=short_name.strip(),
        inn=inn,
        ogrn=ogrn,
        license_number=license_number.strip(),
        address=address.strip(),
        municipality=municipality,
        phone=phone.strip(),
        email=email.strip(),
        website=website.strip(),
        bank_name=bank_name.strip(),
        bik=bik,
        settlement_account=settlement_account,
        correspondent_account=correspondent_account,
        status=status,
    )
    full_clean_or_raise(provider, errors)
    provider.save()
    return provider


@transaction.atomic
def provider_staff_add(*, provider: Provider, user: User, role: str) -> ProviderStaff:
    """Make the user an administrator or teacher of the provider; their role becomes provider.

    Adding a person who already works there changes their role there; nothing is duplicated.
    """
    if role not in StaffRole.values:
        raise ValidationError({"role": ["Укажите роль: администратор или педагог."]})
    staff, _ = ProviderStaff.objects.update_or_create(
        provider=provider, user=user, defaults={"role": role}
    )
    if user.role != Role.PROVIDER:
        user.role = Role.PROVIDER
        user.save(update_fields=["role"])
    return staff


# The profile ------------------------------------------------------------------------------


def organisation_errors(*, kind: str, license_number: str, bank_name: str) -> Errors:
    """What an organisation working on the portal must have besides its numbers: a licence
    (unless an entrepreneur teaching alone) and the bank its account is in."""
    errors: Errors = {}
    # An entrepreneur who teaches alone needs no licence (ст. 91 Закона об образовании).
    if kind == ProviderKind.ORGANIZATION and not license_number.strip():
        errors["license_number"] = ["Укажите номер лицензии на образовательную деятельность."]
    if not bank_name.strip():
        errors["bank_name"] = ["Укажите банк, в котором открыт расчётный счёт."]
    return errors


def _profile_values(provider: Provider, fields: dict[str, str]) -> tuple[dict[str, str], Errors]:
    """The profile as it would be after the change, normalised, and what is wrong with it."""
    values = {
        name: str(fields.get(name, getattr(provider, name))).strip() for name in PROFILE_FIELDS
    }
    errors = organisation_errors(
        kind=provider.kind,
        license_number=values["license_number"],
        bank_name=values["bank_name"],
    )
    (values["bik"], values["settlement_account"], values["correspondent_account"]), bank_errors = (
        bank_details_errors(
            bik=values["bik"],
            settlement_account=values["settlement_account"],
            correspondent_account=values["correspondent_account"],
            required=True,
        )
    )
    errors.update(bank_errors)
    values["kpp"] = values["kpp"].replace(" ", "").upper()
    if values["kpp"] and provider.kind == ProviderKind.ENTREPRENEUR:
        errors.setdefault("kpp", []).append(
            "У индивидуального предпринимателя нет КПП: оставьте поле пустым."
        )
    elif values["kpp"] and not KPP.fullmatch(values["kpp"]):
        errors.setdefault("kpp", []).append(
            "КПП — 9 знаков: четыре цифры, две цифры или латинские буквы, три цифры, "
            "например 263401001."
        )
    try:
        values["phone"] = normalize_phone(values["phone"])
    except ValidationError as exc:
        errors.setdefault("phone", []).extend(exc.messages)
    values["email"] = normalize_email(values["email"])
    if not values["email"]:
        errors.setdefault("email", []).append("Укажите электронную почту организации.")
    return values, errors


@transaction.atomic
def provider_profile_update(*, actor: User, provider: Provider, **fields: str) -> Provider:
    """The provider's administrator changes its names, licence, contacts or bank details.

    Bank details are required and checked by their control keys. A change of bank details is
    recorded in the audit log with the old and the new values, and the operators are told:
    payments go to those accounts. A new short name reaches the apps that keep copies of it
    (provider_renamed).
    """
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"provider_profile_update cannot change {', '.join(sorted(unknown))}")
    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    if staff_role(user=actor, provider_id=provider.pk) != StaffRole.ADMIN:
        raise PermissionDenied("Это может только администратор организации.")
    values, errors = _profile_values(provider, fields)
    before = {name: getattr(provider, name) for name in PROFILE_FIELDS}
    for name, value in values.items():
        setattr(provider, name, value)
    try:
        provider.full_clean(exclude=list(errors), validate_constraints=False)
    except ValidationError as exc:
        errors_merge(errors, exc)
    if errors:
        raise ValidationError(errors)
    changed = [name for name in PROFILE_FIELDS if before[name] != values[name]]
    if not changed:
        return provider
    provider.save(update_fields=changed)
    if "short_name" in changed:
        provider_renamed(provider=provider)
    bank_changed = [name for name in _BANK_FIELDS if name in changed]
    audit_record(
        actor=actor,
        action="provider_profile_update",
        obj=provider,
        fields=", ".join(changed),
        **{f"{name}_before": before[name] for name in bank_changed},
        **{f"{name}_after": values[name] for name in bank_changed},
    )
    if bank_changed:
        operators_notify(
            municipality=provider.municipality,
            subject="Организация изменила банковские реквизиты",
            body=(
                f"«{provider.short_name}» изменила реквизиты для оплаты. Сверьте их перед "
                "следующим платежом."
            ),
            link=reverse("operator:provider_detail", args=[provider.pk]),
        )
    return provider


# Operators --------------------------------------------------------------------------------


def operators_notify(*, municipality: Municipality, subject: str, body: str, link: str) -> None:
    """Tell the municipality's operators that something waits for them."""
    operators = User.objects.filter(
        role=Role.OPERATOR, municipality=municipality, is_active=True
    ).order_by("pk")
    for operator in operators:
        notify(user=operator, subject=subject, body=body, link=link)
