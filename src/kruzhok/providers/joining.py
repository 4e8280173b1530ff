"""A provider asks to join the portal: its administrator's account and the provider itself,
on moderation until the municipality's operator decides (`providers.moderation`).

The person is registered by accounts (user_register: the same checks, the same letter with the
confirmation link); what is here is the provider's part.
"""

from typing import NotRequired, TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from kruzhok.accounts.models import Role, User
from kruzhok.accounts.services import (
    person_errors,
    user_already_registered_answer,
    user_register,
)
from kruzhok.accounts.validators import normalize_email, normalize_phone
from kruzhok.common.field_errors import Errors, errors_merge
from kruzhok.common.models import Municipality
from kruzhok.common.services import audit_record
from kruzhok.providers.bank_details import bank_details_errors
from kruzhok.providers.models import Provider, ProviderStaff, ProviderStatus, StaffRole
from kruzhok.providers.services import (
    operators_notify,
    organisation_errors,
    provider_create,
    provider_staff_add,
)


class Organisation(TypedDict):
    """What a joining organisation tells about itself (the join page's first fieldsets)."""

    kind: str
    full_name: str
    short_name: str
    inn: str
    ogrn: str
    license_number: str
    address: str
    org_phone: str
    org_email: str
    website: NotRequired[str]
    bank_name: str
    bik: str
    settlement_account: str
    correspondent_account: str


@transaction.atomic
def provider_join(
    *,
    email: str,
    password: str,
    last_name: str,
    first_name: str,
    patronymic: str = "",
    phone: str,
    municipality: Municipality,
    site_url: str | None = None,
    **organisation: Unpack[Organisation],
) -> ProviderStaff | None:
    """A provider asks to join: its administrator's account and the provider on moderation.

    In one transaction: the person is registered by accounts.user_register with the provider
    role (the e-mail confirmation letter leaves after commit) and becomes the provider's
    administrator; the provider is created with status moderating and the municipality's
    operators are told. Everything is checked before anything stays, and every mistake of both
    parts is reported at once: ИНН/ОГРН by provider_create, bank details by their control keys,
    a licence for an organisation. Errors of the organisation's own phone and e-mail are keyed
    "org_phone" and "org_email".

    The answer never tells whether the administrator's address is already registered: with
    one that is, every other detail is checked and reported the same way, and when nothing
    else is wrong, nothing is created, the address's owner gets a letter instead (as at a
    parent's registration) and None is returned.
    """
    unknown = set(organisation) - set(Organisation.__annotations__)
    if unknown:
        raise TypeError(f"provider_join got unknown fields: {', '.join(sorted(unknown))}")
    errors = _organisation_errors(organisation)
    owner = User.objects.filter(email__iexact=normalize_email(email)).first()
    if owner is not None:
        _join_with_a_taken_address(
            owner=owner,
            errors=errors,
            organisation=organisation,
            municipality=municipality,
            password=password,
            site_url=site_url,
            person=person_errors(
                email=email,
                password=password,
                last_name=last_name,
                first_name=first_name,
                phone=phone,
            ),
        )
        return None
    user: User | None = None
    try:
        user = user_register(
            email=email,
            password=password,
            last_name=last_name,
            first_name=first_name,
            patronymic=patronymic,
            phone=phone,
            municipality=municipality,
            role=Role.PROVIDER,
            site_url=site_url,
        )
    except ValidationError as exc:
        errors_merge(errors, exc)
    provider = _provider_create(errors, organisation, municipality=municipality)
    if errors or user is None or provider is None:
        # Raising here rolls back the account created above, and its letter is never sent.
        raise ValidationError(errors)
    return _administrator_appoint(user=user, provider=provider)


def _join_with_a_taken_address(
    *,
    owner: User,
    errors: Errors,
    organisation: Organisation,
    municipality: Municipality,
    password: str,
    site_url: str | None,
    person: dict[str, list[ValidationError]],
) -> None:
    """The same checks as a join with a new address, and nothing kept: the organisation is
    created in a savepoint (its numbers are checked there) that is rolled back."""
    if person:
        errors_merge(errors, ValidationError(person))
    with transaction.atomic():
        _provider_create(errors, organisation, municipality=municipality)
        transaction.set_rollback(True)
    if errors:
        raise ValidationError(errors)
    user_already_registered_answer(user=owner, password=password, site_url=site_url)


def _organisation_errors(organisation: Organisation) -> Errors:
    """What a joining organisation must give besides the numbers provider_create checks: a
    licence (unless an entrepreneur), every bank detail, its phone and its e-mail."""
    errors = organisation_errors(
        kind=organisation["kind"],
        license_number=organisation["license_number"],
        bank_name=organisation["bank_name"],
    )
    _, bank_errors = bank_details_errors(
        bik=organisation["bik"],
        settlement_account=organisation["settlement_account"],
        correspondent_account=organisation["correspondent_account"],
        required=True,
    )
    errors.update(bank_errors)
    try:
        normalize_phone(organisation["org_phone"])
    except ValidationError as exc:
        errors.setdefault("org_phone", []).extend(exc.messages)
    if not organisation["org_email"].strip():
        errors["org_email"] = ["Укажите электронную почту организации."]
    return errors


def _provider_create(
    errors: Errors, organisation: Organisation, *, municipality: Municipality
) -> Provider | None:
    """The provider on moderation, or None when it cannot be created; why is added to
    `errors`, with its own phone and e-mail keyed "org_phone" and "org_email"."""
    try:
        # A savepoint: the person's part is still checked and reported after a refusal here.
        with transaction.atomic():
            return provider_create(
                kind=organisation["kind"],
                full_name=organisation["full_name"],
                short_name=organisation["short_name"],
                inn=organisation["inn"],
                ogrn=organisation["ogrn"],
                license_number=organisation["license_number"],
                address=organisation["address"],
                municipality=municipality,
                phone=_phone_or_as_typed(organisation["org_phone"]),
                email=normalize_email(organisation["org_email"]),
                website=organisation.get("website", ""),
                bank_name=organisation["bank_name"],
                bik=organisation["bik"],
                settlement_account=organisation["settlement_account"],
                correspondent_account=organisation["correspondent_account"],
                status=ProviderStatus.MODERATING,
            )
    except ValidationError as exc:
        errors_merge(errors, exc, {"phone": "org_phone", "email": "org_email"})
    except IntegrityError:
        # Another request registered the same ИНН or ОГРН a moment ago.
        errors.setdefault("inn", []).append("Поставщик с таким ИНН или ОГРН уже зарегистрирован.")
    return None


def _phone_or_as_typed(phone: str) -> str:
    """The phone as `+7XXXXXXXXXX`, or as typed when it is not one (an error says so already)."""
    try:
        return normalize_phone(phone)
    except ValidationError:
        return phone


def _administrator_appoint(*, user: User, provider: Provider) -> ProviderStaff:
    """The person who asked becomes the provider's administrator; the operators are told."""
    staff = provider_staff_add(provider=provider, user=user, role=StaffRole.ADMIN)
    audit_record(actor=user, action="provider_join", obj=provider)
    operators_notify(
        municipality=provider.municipality,
        subject="Новая организация ждёт проверки",
        body=f"«{provider.short_name}» (ИНН {provider.inn}) просит допустить её к работе.",
        link=reverse("operator:provider_detail", args=[provider.pk]),
    )
    return staff
