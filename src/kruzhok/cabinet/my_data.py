"""A family's own data, composed from every app that keeps some of it: the JSON a parent
downloads from «Мои данные» (152-ФЗ, ст. 14), and the date of the family's latest financial
record, which decides when a deletion request may anonymise it."""

import datetime
from typing import Any

from django.db.models import Max, Q
from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.certificates.models import Transfer
from kruzhok.certificates.selectors import certificate_card
from kruzhok.enrollment.models import Contract
from kruzhok.enrollment.selectors import application_list_for_child
from kruzhok.families.models import CalendarFeed, GuardianInvitation
from kruzhok.families.selectors import child_list_for_guardian, correction_list_for_child
from kruzhok.notifications.models import Notification


def _when(moment: datetime.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def _day(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None


def family_data_export(*, user: User) -> dict[str, Any]:
    """Everything the portal keeps about the parent and their children, money in kopecks."""
    children = []
    for child in child_list_for_guardian(user=user).order_by("pk"):
        card = certificate_card(child=child)
        applications = []
        for application in application_list_for_child(child=child).order_by("pk"):
            contract = getattr(application, "contract", None)
            applications.append(
                {
                    "program": application.group.program.title,
                    "provider": application.group.program.provider.short_name,
                    "group": application.group.name,
                    "status": application.get_status_display(),
                    "submitted_at": _when(application.created_at),
                    "reason": application.reason,
                    "contract": None
                    if contract is None
                    else {
                        "number": contract.number,
                        "start_date": _day(contract.start_date),
                        "end_date": _day(contract.end_date),
                        "terminated_on": _day(contract.terminated_on),
                        "total_cost_kopecks": contract.total_cost,
                        "certificate_part_kopecks": contract.certificate_part,
                        "parent_part_kopecks": contract.parent_part,
                        "accepted_at": _when(contract.accepted_at),
                        "accepted_ip": contract.accepted_ip,
                    },
                }
            )
        children.append(
            {
                "last_name": child.last_name,
                "first_name": child.first_name,
                "patronymic": child.patronymic,
                "birth_date": _day(child.birth_date),
                "snils": child.snils_display,
                "municipality": child.municipality.name,
                "added_at": _when(child.created_at),
                "certificate": None
                if card is None
                else {
                    "number": card.certificate.number_display,
                    "status": card.certificate.get_status_display(),
                    "balance_kopecks": card.money.balance,
                    "reserved_kopecks": card.money.reserved,
                    "operations": [
                        {
                            "at": _when(operation.created_at),
                            "kind": operation.kind_label,
                            "description": operation.description,
                            "program": operation.program_title,
                            "provider": operation.provider_name,
                            "amount_kopecks": operation.amount,
                        }
                        for operation in card.operations
                    ],
                },
                "applications": applications,
                "guardians": [
                    g.user.full_name
                    for g in child.guardianships.select_related("user").order_by("created_at")
                ],
                "corrections": [
                    {
                        "what": correction.get_field_display(),
                        "was": correction.old_display,
                        "asked": correction.new_display,
                        "reason": correction.reason,
                        "asked_at": _when(correction.requested_at),
                        "status": correction.get_status_display(),
                        "decided_at": _when(correction.decided_at),
                        "answer": correction.decision_note,
                    }
                    for correction in correction_list_for_child(child=child)
                ],
            }
        )
    feed = CalendarFeed.objects.filter(user=user).first()
    return {
        "exported_at": _when(timezone.now()),
        "person": {
            "last_name": user.last_name,
            "first_name": user.first_name,
            "patronymic": user.patronymic,
            "email": user.email,
            "phone": user.phone,
            "municipality": user.municipality.name if user.municipality else None,
            "registered_at": _when(user.date_joined),
            "email_confirmed_at": _when(user.email_confirmed_at),
            "consents": [
                {"version": consent.version, "given_at": _when(consent.given_at)}
                for consent in user.consents.order_by("given_at")
            ],
        },
        "children": children,
        # The address itself is not kept (only its hash): it cannot be part of the export.
        "calendar_address_made_at": _when(feed.created_at) if feed else None,
        "guardian_invitations": [
            {
                "email": invitation.email,
                "children": [c.first_name for c in invitation.children.all()],
                "sent_at": _when(invitation.created_at),
                "accepted_at": _when(invitation.accepted_at),
                "revoked_at": _when(invitation.revoked_at),
            }
            for invitation in GuardianInvitation.objects.filter(inviter=user)
            .prefetch_related("children")
            .order_by("created_at", "pk")
        ],
        "notifications": [
            {"at": _when(n.created_at), "subject": n.subject, "text": n.body}
            for n in Notification.objects.filter(user=user).order_by("created_at", "pk")
        ],
    }


def family_last_financial_record(*, user: User) -> datetime.date | None:
    """The latest date of the family's financial records: a contract's end (or termination)
    and the latest operation on a child's certificate; None when there are none."""
    children = child_list_for_guardian(user=user)
    contracts = Contract.objects.filter(
        Q(application__child__in=children) | Q(accepted_by=user)
    ).aggregate(end=Max("end_date"), terminated=Max("terminated_on"))
    transfers = Transfer.objects.filter(
        Q(debit_account__certificate__child__in=children)
        | Q(credit_account__certificate__child__in=children)
    ).aggregate(last=Max("created_at"))
    days = [d for d in (contracts["end"], contracts["terminated"]) if d is not None]
    if transfers["last"] is not None:
        days.append(timezone.localdate(transfers["last"]))
    return max(days, default=None)
