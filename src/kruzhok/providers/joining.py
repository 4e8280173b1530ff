"""A provider asks to join the portal: its administrator's account and the provider itself,
on moderation until the municipality's operator decides (`providers.moderation`)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from kruzhok.accounts import services as account_services
from kruzhok.accounts.models import User
from kruzhok.accounts.validators import normalize_email, normalize_phone
from kruzhok.common.field_errors import errors_merge
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


@transaction.atomic
def provider_join(
    *,
    email: str,
    password: str,
    last_name: str,
    first_name: str,
    patronymic: str = "",
    phone: str,
    kind: str,
    full_name: str,
    short_name: str,
    inn: str,
    ogrn: str,
    license_number: str,
    address: str,
    municipality: Municipality,
    org_phone: str,
    org_email: str,
    website: str = "",
    bank_name: str,
    bik: str,
    settlement_account: str,
    correspondent_account: str,
    site_url: str | None = None,
) -> ProviderStaff:
    """A provider asks to join: its administrator's account and the provider on moderation.

    In one transaction: the person is registered as in accounts.user_register (the e-mail
    confirmation letter leaves after commit) and becomes the provider's administrator with the
    provider role; the provider is created with status moderating and the municipality's
    operators are told. Everything is checked before anything stays: ИНН/ОГРН by
    provider_create, bank details by their control keys, and a licence for an organisation.
    Errors of the organisation's own phone and e-mail are keyed "org_phone" and "org_email".
    """
    errors = organisation_errors(kind=kind, license_number=license_number, bank_name=bank_name)
    _, bank_errors = bank_details_errors(
        bik=bik,
        settlement_account=settlement_account,
        correspondent_account=correspondent_account,
        required=True,
    )
    errors.update(bank_errors)
    try:
        org_phone = normalize_phone(org_phone)
    except ValidationError as exc:
        errors.setdefault("org_phone", []).extend(exc.messages)
    if not org_email.strip():
        errors["org_email"] = ["Укажите электронную почту организации."]

    user: User | None = None
    try:
        user = account_services.user_register(
            email=email,
            password=password,
            last_name=last_name,
            first_name=first_name,
            patronymic=patronymic,
            phone=phone,
            municipality=municipality,
            site_url=site_url,
        )
    except ValidationError as exc:
        errors_merge(errors, exc)

    provider: Provider | None = None
    try:
        with transaction.atomic():
            provider = provider_create(
                kind=kind,
                full_name=full_name,
                short_name=short_name,
                inn=inn,
                ogrn=ogrn,
                license_number=license_number,
                address=address,
                municipality=municipality,
                phone=org_phone,
                email=normalize_email(org_email),
                website=website,
                bank_name=bank_name,
                bik=bik,
                settlement_account=settlement_account,
                correspondent_account=correspondent_account,
                status=ProviderStatus.MODERATING,
            )
    except ValidationError as exc:
        errors_merge(errors, exc, {"phone": "org_phone", "email": "org_email"})
    except IntegrityError:
        # Another request registered the same ИНН or ОГРН a moment ago.
        errors.setdefault("inn", []).append("Поставщик с таким ИНН или ОГРН уже зарегистрирован.")

    if errors or user is None or provider is None:
        # Raising here rolls back the account created above, and its letter is never sent.
        raise ValidationError(errors)
    staff = provider_staff_add(provider=provider, user=user, role=StaffRole.ADMIN)
    audit_record(actor=user, action="provider_join", obj=provider)
    operators_notify(
        municipality=municipality,
        subject="Новая организация ждёт проверки",
        body=f"«{provider.short_name}» (ИНН {provider.inn}) просит допустить её к работе.",
        link=reverse("operator:provider_detail", args=[provider.pk]),
    )
    return staff
