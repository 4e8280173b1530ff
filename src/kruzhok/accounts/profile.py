"""A person's own details: name and phone changed at once, the e-mail address (the log-in)
only once the new address confirms it by a link sent there."""

import datetime
from functools import partial

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.accounts.rate_limits import rate_limit_hit
from kruzhok.accounts.selectors import user_email_is_taken
from kruzhok.accounts.validators import normalize_email, normalize_phone
from kruzhok.common.field_errors import Errors
from kruzhok.common.services import audit_record
from kruzhok.common.validators import validate_person_name

EMAIL_CHANGE_SALT = "kruzhok.accounts.email_change"
EMAIL_CHANGE_MAX_AGE = datetime.timedelta(days=3)
EMAIL_CHANGES_PER_HOUR = 5

EMAIL_CHANGE_INVALID = (
    "Ссылка для смены адреса недействительна. Скопируйте её из письма целиком или запросите "
    "смену адреса ещё раз в профиле."
)
EMAIL_CHANGE_EXPIRED = (
    "Срок действия ссылки истёк: она действует 3 дня. Запросите смену адреса ещё раз в профиле."
)
EMAIL_CHANGE_TAKEN = (
    "Этот адрес уже занят другой учётной записью, поэтому адрес не изменён. Укажите в "
    "профиле другой адрес."
)
EMAIL_CHANGES_TOO_MANY = (
    "Смену адреса запрашивали слишком часто. Подождите час и попробуйте снова; письмо, "
    "отправленное раньше, продолжает действовать."
)


def _site(site_url: str | None) -> str:
    return str(site_url or settings.KRUZHOK_SITE_URL).rstrip("/")


@transaction.atomic
def user_profile_update(
    *, user: User, last_name: str, first_name: str, patronymic: str, phone: str
) -> User:
    """Change the person's name and phone.

    Guarantees: names are letters (with hyphen, apostrophe, space), surname and name not
    empty; the phone is stored as `+7XXXXXXXXXX`, and a parent's is required (providers call
    it about the child). Raises ValidationError keyed by field, saving
    nothing. The audit log names the fields changed (not their values: personal data).
    """
    values = {
        "last_name": " ".join(last_name.split()),
        "first_name": " ".join(first_name.split()),
        "patronymic": " ".join(patronymic.split()),
    }
    errors: Errors = {}
    for field, value in values.items():
        try:
            validate_person_name(value)
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.messages)
    if not values["last_name"]:
        errors.setdefault("last_name", []).append("Укажите фамилию.")
    if not values["first_name"]:
        errors.setdefault("first_name", []).append("Укажите имя.")
    if phone.strip() or user.is_parent:
        try:
            values["phone"] = normalize_phone(phone)
        except ValidationError as exc:
            errors["phone"] = list(exc.messages)
    else:
        values["phone"] = ""  # municipal and providers' staff may leave it out
    if errors:
        raise ValidationError(errors)
    user = User.objects.select_for_update().get(pk=user.pk)
    changed = [field for field, value in values.items() if getattr(user, field) != value]
    if changed:
        for field in changed:
            setattr(user, field, values[field])
        user.save(update_fields=changed)
        audit_record(actor=user, action="user_profile_update", obj=user, fields=", ".join(changed))
    return user


def email_change_token(*, user: User, new_email: str) -> str:
    """The signed, timestamped token of the link sent to the new address; it names the old
    address too, so it stops working once the address has changed in any way."""
    return signing.dumps(
        {"u": user.pk, "from": user.email, "to": new_email}, salt=EMAIL_CHANGE_SALT
    )


@transaction.atomic
def user_email_change_request(
    *, user: User, new_email: str, password: str, site_url: str | None = None
) -> str:
    """Ask to change the person's e-mail address: a link goes to the new address, and the
    address changes only when that link is opened (`user_email_change_confirm`).

    Guarantees: the current password is checked (a borrowed open session cannot take the
    account over); the answer is the same whether or not the new address belongs to someone
    (that is checked again when the link is opened); at most EMAIL_CHANGES_PER_HOUR letters
    an hour. Returns the normalised new address. Raises ValidationError keyed by field.
    """
    new_email = normalize_email(new_email)
    errors: Errors = {}
    if not user.check_password(password):
        errors["password"] = ["Неверный пароль. Введите пароль, с которым вы входите на портал."]
    try:
        validate_email(new_email)
    except ValidationError:
        errors["email"] = ["Проверьте адрес электронной почты: например, ivanova@mail.ru."]
    else:
        if new_email == normalize_email(user.email):
            errors["email"] = ["Это ваш нынешний адрес. Укажите новый."]
    if errors:
        raise ValidationError(errors)
    if not rate_limit_hit(
        scope="email_change",
        key=str(user.pk),
        limit=EMAIL_CHANGES_PER_HOUR,
        window=datetime.timedelta(hours=1),
    ):
        raise ValidationError({"email": [EMAIL_CHANGES_TOO_MANY]})
    audit_record(actor=user, action="user_email_change_request", obj=user)
    if user_email_is_taken(email=new_email):
        return new_email  # nothing is sent, and nothing is said
    link = _site(site_url) + reverse(
        "accounts:email_change_confirm",
        kwargs={"token": email_change_token(user=user, new_email=new_email)},
    )
    context = {"user": user, "link": link, "days": EMAIL_CHANGE_MAX_AGE.days}
    subject = render_to_string("accounts/email/email_change_subject.txt", context).strip()
    body = render_to_string("accounts/email/email_change.txt", context)
    transaction.on_commit(
        partial(send_mail, subject, body, settings.DEFAULT_FROM_EMAIL, [new_email])
    )
    return new_email


@transaction.atomic
def user_email_change_confirm(*, token: str) -> User:
    """Change the person's address to the one the link was sent to, confirmed.

    Guarantees: the link is no older than EMAIL_CHANGE_MAX_AGE and was made for the current
    address; the new address belongs to nobody else (the unique constraint decides a race);
    the old address is told of the change. Raises ValidationError with a message otherwise.
    """
    try:
        payload = signing.loads(token, salt=EMAIL_CHANGE_SALT, max_age=EMAIL_CHANGE_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ValidationError(EMAIL_CHANGE_EXPIRED, code="expired") from exc
    except signing.BadSignature as exc:
        raise ValidationError(EMAIL_CHANGE_INVALID, code="invalid") from exc
    if not isinstance(payload, dict):
        raise ValidationError(EMAIL_CHANGE_INVALID, code="invalid")
    user_id, old, new = payload.get("u"), payload.get("from"), payload.get("to")
    if not (isinstance(user_id, int) and isinstance(old, str) and isinstance(new, str)):
        raise ValidationError(EMAIL_CHANGE_INVALID, code="invalid")
    user = User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
    if user is None or user.email != old:
        raise ValidationError(EMAIL_CHANGE_INVALID, code="invalid")
    if user_email_is_taken(email=new):
        raise ValidationError(EMAIL_CHANGE_TAKEN, code="taken")
    user.email, user.email_confirmed_at = new, timezone.now()
    try:
        with transaction.atomic():
            user.save(update_fields=["email", "email_confirmed_at"])
    except IntegrityError as exc:
        raise ValidationError(EMAIL_CHANGE_TAKEN, code="taken") from exc
    audit_record(actor=user, action="user_email_change", obj=user)
    context = {"user": user, "new_email": new}
    subject = render_to_string("accounts/email/email_changed_subject.txt", context).strip()
    body = render_to_string("accounts/email/email_changed.txt", context)
    transaction.on_commit(partial(send_mail, subject, body, settings.DEFAULT_FROM_EMAIL, [old]))
    return user
