"""Staff invitations: a provider's administrator invites a person by e-mail, as an
administrator or a teacher; the signed link works for 7 days and once."""

import datetime
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
from kruzhok.accounts.services import user_register
from kruzhok.accounts.validators import normalize_email
from kruzhok.common.field_errors import Errors
from kruzhok.common.services import audit_record
from kruzhok.providers.models import (
    Provider,
    ProviderStaff,
    ProviderStatus,
    StaffInvitation,
    StaffRole,
)
from kruzhok.providers.selectors import staff_role
from kruzhok.providers.services import provider_staff_add

# The salt keeps the name of the app the invitations began in: links already sent still open.
INVITATION_SALT = "kruzhok.catalog.staff_invitation"
INVITATION_MAX_AGE = datetime.timedelta(days=7)

INVITATION_INVALID = (
    "Ссылка приглашения недействительна. Скопируйте её из письма целиком или попросите "
    "администратора организации прислать новое приглашение."
)
INVITATION_EXPIRED = (
    "Срок действия приглашения истёк: оно действует 7 дней. Попросите администратора "
    "организации прислать новое."
)
INVITATION_USED = "Приглашение уже принято. Войдите в личный кабинет."
INVITATION_REVOKED = "Администратор организации отозвал это приглашение."
INVITATION_OTHER_ROLE = (
    "С этим адресом электронной почты на портале работает кабинет другого вида (например, "
    "родительский). Попросите организацию прислать приглашение на другой адрес."
)


def staff_invitation_token(*, invitation: StaffInvitation) -> str:
    """The signed, timestamped token of the invitation link. The address is signed too."""
    return signing.dumps({"i": invitation.pk, "e": invitation.email}, salt=INVITATION_SALT)


def _site(site_url: str | None) -> str:
    return str(site_url or settings.KRUZHOK_SITE_URL).rstrip("/")


@transaction.atomic
def staff_invite(
    *,
    provider: Provider,
    inviter: User,
    email: str,
    role: str,
    site_url: str | None = None,
) -> StaffInvitation:
    """Invite a person by e-mail to work for the provider as an administrator or a teacher.

    Only the provider's administrator invites. The letter with a signed link leaves after the
    transaction commits; the link works for 7 days and once. Inviting the same address again
    replaces the earlier invitations that were not accepted (the old links stop working).
    Whether the address belongs to a registered person is not revealed to the inviter.
    """
    if staff_role(user=inviter, provider_id=provider.pk) != StaffRole.ADMIN:
        raise PermissionDenied("Приглашать сотрудников может только администратор организации.")
    email = normalize_email(email)
    errors: Errors = {}
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = ["Проверьте адрес электронной почты: например, ivanova@mail.ru."]
    if role not in StaffRole.values:
        errors["role"] = ["Выберите роль: администратор или педагог."]
    if "email" not in errors and provider.staff.filter(user__email__iexact=email).exists():
        errors["email"] = ["Этот человек уже работает в вашей организации."]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    StaffInvitation.objects.filter(
        provider=provider, email=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    invitation = StaffInvitation.objects.create(
        provider=provider,
        email=email,
        role=role,
        invited_by=inviter,
        expires_at=now + INVITATION_MAX_AGE,
    )
    audit_record(actor=inviter, action="staff_invite", obj=invitation, email=email, role=role)
    link = _site(site_url) + reverse(
        "provider:invitation", kwargs={"token": staff_invitation_token(invitation=invitation)}
    )
    context = {
        "invitation": invitation,
        "provider": provider,
        "inviter": inviter,
        "link": link,
        "days": INVITATION_MAX_AGE.days,
    }
    subject = render_to_string("providers/email/staff_invitation_subject.txt", context).strip()
    body = render_to_string("providers/email/staff_invitation.txt", context)
    transaction.on_commit(
        partial(send_mail, subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    )
    return invitation


@transaction.atomic
def staff_invitation_revoke(*, actor: User, invitation: StaffInvitation) -> StaffInvitation:
    """Withdraw an invitation not yet accepted: its link stops working."""
    invitation = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
    if staff_role(user=actor, provider_id=invitation.provider_id) != StaffRole.ADMIN:
        raise PermissionDenied("Отозвать приглашение может только администратор организации.")
    if invitation.accepted_at is not None:
        raise ValidationError("Приглашение уже принято.", code="used")
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="staff_invitation_revoke", obj=invitation)
    return invitation


def staff_invitation_open(*, token: str, lock: bool = False) -> StaffInvitation:
    """The invitation behind a link, if it can still be accepted.

    Raises ValidationError with a message for the person when the link is damaged, older than
    7 days, already used or withdrawn. With `lock`, the row is locked for the transaction.
    """
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
    invitations = StaffInvitation.objects.select_related("provider", "provider__municipality")
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


def _accept(invitation: StaffInvitation, user: User) -> ProviderStaff:
    if invitation.provider.status == ProviderStatus.BLOCKED:
        raise ValidationError(
            "Организация заблокирована на портале: присоединиться к ней нельзя.", code="blocked"
        )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    staff = provider_staff_add(provider=invitation.provider, user=user, role=invitation.role)
    audit_record(actor=user, action="staff_invitation_accept", obj=invitation)
    return staff


@transaction.atomic
def staff_invitation_accept(*, token: str, user: User) -> ProviderStaff:
    """A registered person accepts the invitation sent to their address and joins the staff.

    Once only; the address must be the user's own. A parent's or an operator's account is not
    turned into a provider's: the person is asked for an invitation to another address.
    """
    invitation = staff_invitation_open(token=token, lock=True)
    if normalize_email(user.email) != invitation.email:
        raise ValidationError(
            f"Приглашение отправлено на другой адрес. Войдите как {invitation.email}.",
            code="other_user",
        )
    if user.role != Role.PROVIDER:
        raise ValidationError(INVITATION_OTHER_ROLE, code="other_role")
    return _accept(invitation, user)


@transaction.atomic
def staff_invitation_register(
    *,
    token: str,
    password: str,
    last_name: str,
    first_name: str,
    patronymic: str = "",
    phone: str,
) -> ProviderStaff:
    """A person new to the portal accepts the invitation: they are registered
    (accounts.user_register, with its checks and ValidationError keyed by field) with the
    invitation's address, already confirmed (the link came to it), and the provider role.
    """
    invitation = staff_invitation_open(token=token, lock=True)
    if user_email_is_taken(email=invitation.email):
        raise ValidationError(
            "С этим адресом уже есть учётная запись: войдите, чтобы принять приглашение.",
            code="registered",
        )
    user = user_register(
        email=invitation.email,
        password=password,
        last_name=last_name,
        first_name=first_name,
        patronymic=patronymic,
        phone=phone,
        municipality=invitation.provider.municipality,
        role=Role.PROVIDER,
        email_confirmed=True,
        via="staff_invitation",
    )
    return _accept(invitation, user)
