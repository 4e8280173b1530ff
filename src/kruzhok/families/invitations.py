"""A second parent or guardian joins a family by invitation: a guardian invites an e-mail
address to some of their children; the signed link works for 7 days and once, and the
guardian may withdraw it until then. Every step is in the children's audit log."""

import datetime
from collections.abc import Sequence
from functools import partial

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from kruzhok.accounts.models import Role, User
from kruzhok.accounts.selectors import user_email_is_taken
from kruzhok.accounts.services import CONSENT_VERSION, user_consent_record, user_register
from kruzhok.accounts.validators import normalize_email
from kruzhok.common.field_errors import Errors
from kruzhok.common.models import Municipality
from kruzhok.common.services import AuditEntry, audit_record_many
from kruzhok.families.models import Child, GuardianInvitation, Guardianship
from kruzhok.families.selectors import child_list_for_guardian
from kruzhok.notifications.services import notify

INVITATION_SALT = "kruzhok.families.guardian_invitation"
INVITATION_MAX_AGE = datetime.timedelta(days=7)
# A guardian cannot use the portal to mail strangers: a few invitations a day are plenty.
INVITATIONS_PER_DAY = 10

INVITATION_INVALID = (
    "Ссылка приглашения недействительна. Скопируйте её из письма целиком или попросите "
    "пригласившего вас родителя прислать новое приглашение."
)
INVITATION_EXPIRED = (
    "Срок действия приглашения истёк: оно действует 7 дней. Попросите пригласившего вас "
    "родителя прислать новое из личного кабинета."
)
INVITATION_USED = "Приглашение уже принято. Войдите в личный кабинет."
INVITATION_REVOKED = "Родитель отозвал это приглашение."
INVITATION_NOT_PARENT = (
    "С этим адресом на портале работает кабинет другого вида (например, поставщика или "
    "оператора). Попросите прислать приглашение на другой адрес."
)


def guardian_invitation_token(*, invitation: GuardianInvitation) -> str:
    """The signed, timestamped token of the invitation link; the address is signed too."""
    return signing.dumps({"i": invitation.pk, "e": invitation.email}, salt=INVITATION_SALT)


@transaction.atomic
def guardian_invite(
    *,
    inviter: User,
    email: str,
    child_ids: Sequence[int],
    site_url: str | None = None,
) -> GuardianInvitation:
    """Invite a person by e-mail to become a guardian of some of the inviter's children.

    Guarantees: only a guardian of each child invites to it; at least one child; the letter
    with a signed link leaves after the transaction commits; inviting the same address again
    replaces the earlier invitations not yet accepted (their links stop working); at most
    INVITATIONS_PER_DAY a day. Whether the address is registered is not revealed. Raises
    ValidationError keyed by field.
    """
    if not inviter.is_parent:
        raise PermissionDenied("Приглашать законных представителей может только родитель.")
    email = normalize_email(email)
    errors: Errors = {}
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = ["Проверьте адрес электронной почты: например, ivanova@mail.ru."]
    else:
        if email == normalize_email(inviter.email):
            errors["email"] = ["Это ваш собственный адрес. Укажите адрес второго родителя."]
    children = list(child_list_for_guardian(user=inviter).filter(pk__in=list(child_ids)))
    if not children or len(children) != len(set(child_ids)):
        errors["children"] = ["Отметьте хотя бы одного своего ребёнка."]
    elif "email" not in errors:
        already = [c for c in children if c.guardianships.filter(user__email=email).exists()]
        if already:
            errors["children"] = [
                f"Этот человек уже законный представитель ребёнка: "
                f"{', '.join(c.first_name for c in already)}."
            ]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    if (
        GuardianInvitation.objects.filter(
            inviter=inviter, created_at__gte=now - datetime.timedelta(days=1)
        ).count()
        >= INVITATIONS_PER_DAY
    ):
        raise ValidationError(
            {"email": ["Сегодня вы отправили много приглашений. Попробуйте завтра."]}
        )
    GuardianInvitation.objects.filter(
        inviter=inviter, email=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    invitation = GuardianInvitation.objects.create(
        inviter=inviter, email=email, expires_at=now + INVITATION_MAX_AGE
    )
    invitation.children.set(children)
    audit_record_many(
        [AuditEntry(inviter, "guardian_invite", invitation, {})]
        + [
            AuditEntry(inviter, "guardian_invite", child, {"invitation": invitation.pk})
            for child in children
        ]
    )
    link = str(site_url or settings.KRUZHOK_SITE_URL).rstrip("/") + reverse(
        "families:invitation", kwargs={"token": guardian_invitation_token(invitation=invitation)}
    )
    context = {
        "inviter": inviter,
        "children": children,
        "link": link,
        "days": INVITATION_MAX_AGE.days,
    }
    subject = render_to_string("families/email/guardian_invitation_subject.txt", context).strip()
    body = render_to_string("families/email/guardian_invitation.txt", context)
    transaction.on_commit(partial(send_mail, subject, body, settings.DEFAULT_FROM_EMAIL, [email]))
    return invitation


@transaction.atomic
def guardian_invitation_revoke(
    *, actor: User, invitation: GuardianInvitation
) -> GuardianInvitation:
    """Withdraw an invitation not yet accepted: its link stops working. Only its inviter may."""
    invitation = GuardianInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.inviter_id != actor.pk:
        raise PermissionDenied("Отозвать приглашение может только тот, кто его отправил.")
    if invitation.accepted_at is not None:
        raise ValidationError("Приглашение уже принято: отозвать его нельзя.", code="used")
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record_many(
            [AuditEntry(actor, "guardian_invitation_revoke", invitation, {})]
            + [
                AuditEntry(
                    actor, "guardian_invitation_revoke", child, {"invitation": invitation.pk}
                )
                for child in invitation.children.all()
            ]
        )
    return invitation


def guardian_invitation_open(*, token: str, lock: bool = False) -> GuardianInvitation:
    """The invitation behind a link, if it can still be accepted; else ValidationError with a
    message for the person (damaged, expired, used or withdrawn)."""
    try:
        payload = signing.loads(token, salt=INVITATION_SALT, max_age=INVITATION_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ValidationError(INVITATION_EXPIRED, code="expired") from exc
    except signing.BadSignature as exc:
        raise ValidationError(INVITATION_INVALID, code="invalid") from exc
    invitation_id = payload.get("i") if isinstance(payload, dict) else None
    email = payload.get("e") if isinstance(payload, dict) else None
    if not isinstance(invitation_id, int) or not isinstance(email, str):
        raise ValidationError(INVITATION_INVALID, code="invalid")
    invitations = GuardianInvitation.objects.select_related("inviter")
    if lock:
        invitations = invitations.select_for_update(of=("self",))
    invitation = invitations.filter(pk=invitation_id, email=email).first()
    if invitation is None:
        raise ValidationError(INVITATION_INVALID, code="invalid")
    if invitation.accepted_at is not None:
        raise ValidationError(INVITATION_USED, code="used")
    if invitation.revoked_at is not None:
        raise ValidationError(INVITATION_REVOKED, code="revoked")
    if invitation.expires_at <= timezone.now():
        raise ValidationError(INVITATION_EXPIRED, code="expired")
    return invitation


def invitation_children(*, invitation: GuardianInvitation) -> list[Child]:
    """The invitation's children whom its inviter still guards (a guardian who has left a
    child's family cannot bring anyone into it)."""
    return list(
        invitation.children.filter(guardianships__user_id=invitation.inviter_id).order_by(
            "birth_date", "pk"
        )
    )


def _accept(invitation: GuardianInvitation, user: User) -> list[Child]:
    children = invitation_children(invitation=invitation)
    if not children:
        raise ValidationError(
            "Пригласивший вас родитель больше не законный представитель этих детей: принять "
            "приглашение нельзя.",
            code="no_children",
        )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    for child in children:
        Guardianship.objects.get_or_create(child=child, user=user)
    audit_record_many(
        [AuditEntry(user, "guardian_invitation_accept", invitation, {})]
        + [
            AuditEntry(user, "guardian_add", child, {"invitation": invitation.pk})
            for child in children
        ]
    )
    notify(
        user=invitation.inviter,
        subject="Приглашение принято",
        body=(
            f"{user.full_name} принял(а) ваше приглашение и теперь видит в личном кабинете "
            f"детей: {', '.join(c.first_name for c in children)}."
        ),
    )
    return children


@transaction.atomic
def guardian_invitation_accept(*, token: str, user: User) -> list[Child]:
    """A registered parent accepts the invitation sent to their address and becomes a
    guardian of its children (those the inviter still guards). Once only; the address must
    be the user's own, and the account a parent's."""
    invitation = guardian_invitation_open(token=token, lock=True)
    if normalize_email(user.email) != invitation.email:
        raise ValidationError(
            f"Приглашение отправлено на другой адрес. Войдите как {invitation.email}.",
            code="other_user",
        )
    if user.role != Role.PARENT:
        raise ValidationError(INVITATION_NOT_PARENT, code="other_role")
    return _accept(invitation, user)


@transaction.atomic
def guardian_invitation_register(
    *,
    token: str,
    password: str,
    last_name: str,
    first_name: str,
    patronymic: str = "",
    phone: str,
    municipality: Municipality,
    consent_version: str,
) -> tuple[User, list[Child]]:
    """A person new to the portal accepts the invitation: registered as a parent with the
    invitation's address, already confirmed (the link came to it), with the consent to the
    processing of personal data recorded; then a guardian of the invitation's children.
    Raises ValidationError keyed by field (accounts.user_register's checks)."""
    invitation = guardian_invitation_open(token=token, lock=True)
    if user_email_is_taken(email=invitation.email):
        raise ValidationError(
            "С этим адресом уже есть учётная запись: войдите, чтобы принять приглашение.",
            code="registered",
        )
    if consent_version != CONSENT_VERSION:
        raise ValidationError({"consent": ["Отметьте согласие на обработку персональных данных."]})
    user = user_register(
        email=invitation.email,
        password=password,
        last_name=last_name,
        first_name=first_name,
        patronymic=patronymic,
        phone=phone,
        municipality=municipality,
        role=Role.PARENT,
        email_confirmed=True,
        via="guardian_invitation",
    )
    user_consent_record(user=user, version=consent_version)
    return user, _accept(invitation, user)
