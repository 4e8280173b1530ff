"""Accounts: registration of people (parents, providers' staff) and confirmation of their
e-mail addresses."""

import datetime
from functools import partial

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from kruzhok.accounts.models import (
    PARENT_CONSENT_VERSION,
    STAFF_CONSENT_VERSION,
    PersonalDataConsent,
    Role,
    User,
)
from kruzhok.accounts.selectors import user_email_is_taken
from kruzhok.accounts.validators import normalize_email, normalize_phone
from kruzhok.common.models import Municipality
from kruzhok.common.services import audit_record

EMAIL_CONFIRMATION_SALT = "kruzhok.accounts.confirm_email"
EMAIL_CONFIRMATION_MAX_AGE = datetime.timedelta(days=7)

EMAIL_TAKEN_MESSAGE = (
    "Этот адрес электронной почты уже зарегистрирован. Если это ваш адрес, войдите в личный "
    "кабинет."
)
TOKEN_EXPIRED_MESSAGE = (
    "Срок действия ссылки истёк: она действует 7 дней. Войдите в личный кабинет и запросите "
    "новое письмо."
)
TOKEN_INVALID_MESSAGE = (
    "Ссылка для подтверждения недействительна. Скопируйте её из письма целиком или запросите "
    "новое письмо в личном кабинете."
)


# Who registers themselves: parents, and providers' staff (an administrator whose provider
# joins, a person accepting a staff invitation). Operators' accounts are made by the region.
SELF_REGISTERED_ROLES = frozenset({Role.PARENT, Role.PROVIDER})


@transaction.atomic
def user_register(
    *,
    email: str,
    password: str,
    last_name: str,
    first_name: str,
    patronymic: str = "",
    phone: str,
    municipality: Municipality,
    role: str = Role.PARENT,
    email_confirmed: bool = False,
    via: str = "",
    site_url: str | None = None,
) -> User:
    """Create a person's account, a parent's unless told otherwise, and send the e-mail
    confirmation link once it is committed.

    Guarantees: the e-mail is stored lower-cased and belongs to one account only (checked
    first, and backed by the unique constraint when two registrations race), the phone is
    stored as `+7XXXXXXXXXX`, the password satisfies AUTH_PASSWORD_VALIDATORS. Raises
    ValidationError keyed by field name otherwise. `email_confirmed` is for a person who came
    by a link sent to that address (a staff invitation): the account starts confirmed and no
    letter leaves. `via` says in the audit log what brought the person.
    """
    if role not in SELF_REGISTERED_ROLES:
        raise ValueError(f"people do not register themselves with the role {role!r}")
    email = normalize_email(email)
    last_name, first_name, patronymic = last_name.strip(), first_name.strip(), patronymic.strip()
    phone, errors = _person_checked(
        email=email, last_name=last_name, first_name=first_name, phone=phone, password=password
    )
    if errors:
        raise ValidationError(errors)
    return _user_create(
        email=email,
        password=password,
        last_name=last_name,
        first_name=first_name,
        patronymic=patronymic,
        phone=phone,
        municipality=municipality,
        role=role,
        email_confirmed=email_confirmed,
        via=via,
        site_url=site_url,
    )


def _user_create(
    *,
    email: str,
    password: str,
    last_name: str,
    first_name: str,
    patronymic: str,
    phone: str,
    municipality: Municipality,
    role: str,
    email_confirmed: bool,
    via: str,
    site_url: str | None,
) -> User:
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email,
                password=password,
                last_name=last_name,
                first_name=first_name,
                patronymic=patronymic,
                phone=phone,
                municipality=municipality,
                role=role,
                email_confirmed_at=timezone.now() if email_confirmed else None,
            )
    except IntegrityError as exc:
        raise ValidationError(
            {"email": ValidationError(EMAIL_TAKEN_MESSAGE, code="taken")}
        ) from exc
    audit_record(actor=user, action="user_register", obj=user, **({"via": via} if via else {}))
    if not email_confirmed:
        user_send_email_confirmation(user=user, site_url=site_url)
    return user


CONSENT_VERSION = PARENT_CONSENT_VERSION


def consent_version_for(*, user: User) -> str:
    """The version of the consent text this person agrees to: a parent's, or a staff one's."""
    return CONSENT_VERSION if user.role == Role.PARENT else STAFF_CONSENT_VERSION


@transaction.atomic
def consent_give(*, user: User, version: str) -> PersonalDataConsent:
    """Record the person's consent to the processing of personal data with the version of the
    text they read; once per version (a repeated click records nothing new). Refused, in
    Russian, for a version that is not the one for this person now."""
    if version != consent_version_for(user=user):
        raise ValidationError(
            {"consent": ValidationError(CONSENT_REQUIRED_MESSAGE, code="consent")}
        )
    consent, created = PersonalDataConsent.objects.get_or_create(user=user, version=version)
    if created:
        audit_record(actor=user, action="consent_give", obj=user, version=version)
    return consent


@transaction.atomic
def parent_register(
    *,
    email: str,
    password: str,
    last_name: str,
    first_name: str,
    patronymic: str = "",
    phone: str,
    municipality: Municipality,
    consent_version: str,
    site_url: str | None = None,
) -> User | None:
    """A parent registers themselves: the account, the consent to the processing of personal
    data (with the version of its text) and the confirmation letter, in one transaction.

    Guarantees: the answer never tells whether the address was already registered. For a
    taken address nothing is created, the owner gets a letter instead (log in, or reset the
    password) and None is returned; the password is hashed all the same, so the time taken
    tells nothing either. Other bad input raises ValidationError keyed by field.
    """
    if consent_version != CONSENT_VERSION:
        raise ValidationError(
            {"consent": ValidationError(CONSENT_REQUIRED_MESSAGE, code="consent")}
        )
    email = normalize_email(email)
    last_name, first_name, patronymic = last_name.strip(), first_name.strip(), patronymic.strip()
    phone, errors = _person_checked(
        email=email,
        last_name=last_name,
        first_name=first_name,
        phone=phone,
        password=password,
        taken_is_error=False,
    )
    if errors:
        raise ValidationError(errors)
    owner = User.objects.filter(email__iexact=email).first()
    if owner is not None:
        user_already_registered_answer(user=owner, password=password, site_url=site_url)
        return None
    try:
        with transaction.atomic():
            user = _user_create(
                email=email,
                password=password,
                last_name=last_name,
                first_name=first_name,
                patronymic=patronymic,
                phone=phone,
                municipality=municipality,
                role=Role.PARENT,
                email_confirmed=False,
                via="",
                site_url=site_url,
            )
    except ValidationError:
        # Registered by a racing request between the check and the insert: the same answer.
        return None
    user_consent_record(user=user, version=consent_version)
    return user


def user_consent_record(*, user: User, version: str) -> PersonalDataConsent:
    """Record the person's consent to the processing of personal data in the given version
    of its text; call it in the transaction that registers them. Once per version."""
    consent, _ = PersonalDataConsent.objects.get_or_create(user=user, version=version)
    return consent


def person_errors(
    *, email: str, password: str, last_name: str, first_name: str, phone: str
) -> dict[str, list[ValidationError]]:
    """What is wrong with the details a person typed to register, leaving out whether the
    address is taken (for a form that must not tell: `user_already_registered_answer`)."""
    _phone, errors = _person_checked(
        email=normalize_email(email),
        last_name=last_name.strip(),
        first_name=first_name.strip(),
        phone=phone,
        password=password,
        taken_is_error=False,
    )
    return errors


def user_already_registered_answer(*, user: User, password: str, site_url: str | None) -> None:
    """Someone registered again with `user`'s address: nothing is created, the owner gets a
    letter (log in, or reset the password) once the transaction commits, and the password is
    hashed all the same, so that neither the answer nor its time tells the address is taken."""
    make_password(password)
    _send_already_registered(user=user, site_url=site_url)


CONSENT_REQUIRED_MESSAGE = (
    "Без согласия на обработку персональных данных мы не можем зарегистрировать вас: "
    "отметьте его, прочитав текст согласия."
)


def _send_already_registered(*, user: User, site_url: str | None) -> None:
    base = str(site_url or settings.KRUZHOK_SITE_URL).rstrip("/")
    context = {
        "user": user,
        "login_link": base + reverse("accounts:login"),
        "reset_link": base + reverse("accounts:password_reset"),
    }
    subject = render_to_string("accounts/email/already_registered_subject.txt", context).strip()
    body = render_to_string("accounts/email/already_registered.txt", context)
    transaction.on_commit(
        partial(send_mail, subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    )


def _person_checked(
    *,
    email: str,
    last_name: str,
    first_name: str,
    phone: str,
    password: str,
    taken_is_error: bool = True,
) -> tuple[str, dict[str, list[ValidationError]]]:
    """The phone as `+7XXXXXXXXXX`, and whatever is wrong with the person's details."""
    errors: dict[str, list[ValidationError]] = {}

    def refuse(field: str, error: ValidationError) -> None:
        errors.setdefault(field, []).append(error)

    try:
        validate_email(email)
    except ValidationError:
        refuse("email", ValidationError("Проверьте адрес электронной почты.", code="invalid"))
    else:
        if taken_is_error and user_email_is_taken(email=email):
            refuse("email", ValidationError(EMAIL_TAKEN_MESSAGE, code="taken"))
    if not last_name:
        refuse("last_name", ValidationError("Укажите фамилию.", code="required"))
    if not first_name:
        refuse("first_name", ValidationError("Укажите имя.", code="required"))
    try:
        phone = normalize_phone(phone)
    except ValidationError as exc:
        refuse("phone", exc)
    candidate = User(email=email, last_name=last_name, first_name=first_name)
    try:
        password_validation.validate_password(password, user=candidate)
    except ValidationError as exc:
        refuse("password", exc)
    return phone, errors


def user_send_email_confirmation(*, user: User, site_url: str | None = None) -> None:
    """Send the confirmation link after the current transaction commits (never on rollback).

    `site_url` is the portal's address for the link (the request's own address in a view);
    without it KRUZHOK_SITE_URL is used.
    """
    token = user_email_confirmation_token(user=user)
    base = str(site_url or getattr(settings, "KRUZHOK_SITE_URL", "http://localhost:8000"))
    base = base.rstrip("/")
    link = base + reverse("accounts:confirm_email", kwargs={"token": token})
    context = {"user": user, "link": link, "days": EMAIL_CONFIRMATION_MAX_AGE.days}
    subject = render_to_string("accounts/email/confirm_email_subject.txt", context).strip()
    body = render_to_string("accounts/email/confirm_email.txt", context)
    transaction.on_commit(
        partial(send_mail, subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    )


def user_email_confirmation_token(*, user: User) -> str:
    """A signed, timestamped token for the confirmation link.

    The address is signed too: a link sent to an old address cannot confirm a new one.
    """
    return signing.dumps({"user": user.pk, "email": user.email}, salt=EMAIL_CONFIRMATION_SALT)


@transaction.atomic
def user_confirm_email(*, token: str) -> User:
    """Mark the user's e-mail as confirmed from a link no older than 7 days.

    Idempotent: a second click keeps the first confirmation time. Raises ValidationError
    with a message for the person when the link is expired, damaged or for a changed address.
    """
    try:
        payload = signing.loads(
            token, salt=EMAIL_CONFIRMATION_SALT, max_age=EMAIL_CONFIRMATION_MAX_AGE
        )
    except signing.SignatureExpired as exc:
        raise ValidationError(TOKEN_EXPIRED_MESSAGE, code="expired") from exc
    except signing.BadSignature as exc:
        raise ValidationError(TOKEN_INVALID_MESSAGE, code="invalid") from exc
    user_id, email = _token_payload(payload)
    user = User.objects.select_for_update().filter(pk=user_id, email=email, is_active=True).first()
    if user is None:
        raise ValidationError(TOKEN_INVALID_MESSAGE, code="invalid")
    if user.email_confirmed_at is None:
        user.email_confirmed_at = timezone.now()
        user.save(update_fields=["email_confirmed_at"])
        audit_record(actor=user, action="user_confirm_email", obj=user)
    return user


def _token_payload(payload: object) -> tuple[int, str]:
    if isinstance(payload, dict):
        user_id, email = payload.get("user"), payload.get("email")
        if isinstance(user_id, int) and isinstance(email, str):
            return user_id, email
    raise ValidationError(TOKEN_INVALID_MESSAGE, code="invalid")
