"""Families: parents add their children, identified by СНИЛС."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.accounts.rate_limits import rate_limit_count, rate_limit_hit
from kruzhok.common.services import audit_record
from kruzhok.common.validators import normalize_digits, validate_person_name, validate_snils
from kruzhok.families.models import Child, Guardianship
from kruzhok.families.selectors import child_list_for_guardian, snils_is_registered
from kruzhok.notifications.services import notify

MAX_AGE_YEARS = 18

# Said for a СНИЛС of a child of another family. Worded so that it does not say the child is
# registered: the number may as well be mistyped, and the operator gets the request (an entry
# «Попытка добавить ребёнка с СНИЛС другой семьи» in the audit log, against that child).
SNILS_REGISTERED_MESSAGE = (
    "Добавить ребёнка с этим СНИЛС из личного кабинета не получилось. Проверьте номер по "
    "страховому свидетельству или выписке. Если номер верный, мы передали запрос в "
    "муниципальный опорный центр: специалист проверит данные и свяжется с вами. Второй "
    "родитель или законный представитель добавляется к ребёнку по приглашению из кабинета "
    "того, кто ребёнка уже добавил («Второй родитель» внизу страницы кабинета)."
)
SNILS_ALREADY_YOURS_MESSAGE = "Этот ребёнок уже есть в вашем личном кабинете."
SNILS_TRIES_MESSAGE = (
    "Сегодня вы уже несколько раз указали СНИЛС детей, зарегистрированных в других семьях. "
    "Добавить ребёнка можно будет завтра; если нужна помощь, обратитесь в муниципальный "
    "опорный центр."
)
SNILS_REFUSALS_WINDOW = datetime.timedelta(days=1)


@transaction.atomic
def child_add(
    *,
    parent: User,
    last_name: str,
    first_name: str,
    patronymic: str = "",
    birth_date: datetime.date,
    snils: str,
    today: datetime.date | None = None,
) -> Child:
    """Register a child with the parent as its primary guardian.

    Guarantees: the СНИЛС is stored as 11 digits with a valid checksum and belongs to one child
    only, even when two parents submit it at the same moment (the unique constraint decides);
    the child is under 18 and born no later than today; the child lives in the parent's
    municipality. A refusal never tells whose child a СНИЛС belongs to. Raises ValidationError
    keyed by field name.
    """
    today = today or timezone.localdate()
    last_name, first_name, patronymic = (
        " ".join(last_name.split()),
        " ".join(first_name.split()),
        " ".join(patronymic.split()),
    )
    snils = normalize_digits(snils)
    errors: dict[str, list[ValidationError]] = {}

    def refuse(field: str, error: ValidationError) -> None:
        errors.setdefault(field, []).append(error)

    if not parent.is_parent:
        raise ValidationError("Добавлять детей может только родитель.", code="role")
    if (
        rate_limit_count(scope="snils_refused", key=str(parent.pk), window=SNILS_REFUSALS_WINDOW)
        >= settings.KRUZHOK_SNILS_REFUSALS_PER_DAY
    ):
        # Whoever probes which СНИЛС are registered learns a few, not the register.
        raise ValidationError({"snils": ValidationError(SNILS_TRIES_MESSAGE, code="too_many")})
    municipality_id = parent.municipality_id
    if municipality_id is None:
        raise ValidationError(
            "В вашем профиле не указан муниципалитет, а от него зависит сертификат ребёнка. "
            "Обратитесь в муниципальный опорный центр, чтобы его указали.",
            code="no_municipality",
        )
    if not last_name:
        refuse("last_name", ValidationError("Укажите фамилию ребёнка.", code="required"))
    if not first_name:
        refuse("first_name", ValidationError("Укажите имя ребёнка.", code="required"))
    for field, value in (
        ("last_name", last_name),
        ("first_name", first_name),
        ("patronymic", patronymic),
    ):
        try:
            validate_person_name(value)
        except ValidationError as exc:
            refuse(field, exc)
    try:
        validate_child_birth_date(birth_date, today=today)
    except ValidationError as exc:
        refuse("birth_date", exc)
    try:
        validate_snils(snils)
    except ValidationError as exc:
        refuse("snils", exc)
    else:
        if child_list_for_guardian(user=parent).filter(snils=snils).exists():
            refuse("snils", ValidationError(SNILS_ALREADY_YOURS_MESSAGE, code="already_yours"))
        elif snils_is_registered(snils=snils):
            refuse("snils", ValidationError(SNILS_REGISTERED_MESSAGE, code="registered"))
    if errors:
        raise ValidationError(errors)

    try:
        with transaction.atomic():
            child = Child.objects.create(
                last_name=last_name,
                first_name=first_name,
                patronymic=patronymic,
                birth_date=birth_date,
                snils=snils,
                municipality_id=municipality_id,
            )
    except IntegrityError as exc:
        # Another parent registered the same СНИЛС between our check and our insert.
        raise ValidationError(
            {"snils": ValidationError(SNILS_REGISTERED_MESSAGE, code="registered")}
        ) from exc
    Guardianship.objects.create(child=child, user=parent, is_primary=True)
    audit_record(actor=parent, action="child_add", obj=child)
    return child


@transaction.atomic
def child_add_refusal_record(*, parent: User, snils: str) -> None:
    """A parent was refused a СНИЛС registered in another family (`child_add`, code
    `registered`). Call it after that refusal, outside its rolled-back transaction.

    Guarantees: the refusal counts against the parent's daily limit of such refusals
    (KRUZHOK_SNILS_REFUSALS_PER_DAY); the operator sees the request in the audit log (the
    parent, the child it names, no СНИЛС); and every guardian of the child is told in the
    cabinet and by letter that someone entered the child's СНИЛС — without naming who, and
    without telling the parent anything more than the refusal did.
    """
    snils = normalize_digits(snils)
    rate_limit_hit(
        scope="snils_refused",
        key=str(parent.pk),
        limit=settings.KRUZHOK_SNILS_REFUSALS_PER_DAY,
        window=SNILS_REFUSALS_WINDOW,
    )
    child = Child.objects.filter(snils=snils).first()
    if child is None:
        return
    audit_record(actor=parent, action="child_add_duplicate", obj=child)
    for guardianship in child.guardianships.select_related("user"):
        if guardianship.user_id == parent.pk:
            continue
        notify(
            user=guardianship.user,
            subject="Кто-то указал СНИЛС вашего ребёнка",
            body=(
                f"Кто-то пытался добавить ребёнка {child.first_name} в свой личный кабинет, "
                "указав его СНИЛС. Ребёнок не добавлен: он остаётся только в вашем кабинете. "
                "Если это второй родитель или законный представитель, пригласите его из личного "
                "кабинета («Второй родитель»). Если вы не знаете, кто это был, сообщите в "
                "муниципальный опорный центр."
            ),
        )


def validate_child_birth_date(birth_date: datetime.date, *, today: datetime.date) -> None:
    """A child's birth date: not in the future, and the child under 18 today."""
    if birth_date > today:
        raise ValidationError("Дата рождения не может быть позже сегодняшнего дня.", code="future")
    if Child(birth_date=birth_date).age_on(today) >= MAX_AGE_YEARS:
        raise ValidationError(
            "Ребёнку уже исполнилось 18 лет: сертификат дополнительного образования выдаётся "
            "детям до 18 лет. Проверьте дату рождения.",
            code="too_old",
        )
