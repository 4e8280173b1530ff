"""The cabinet's reads: a family's children with their certificates' figures."""

import datetime
from dataclasses import dataclass

from kruzhok.accounts.models import User
from kruzhok.certificates.models import Certificate
from kruzhok.certificates.selectors import CertificateMoney, certificate_money
from kruzhok.families.models import Child
from kruzhok.families.selectors import child_list_for_guardian


@dataclass(frozen=True)
class ChildSummary:
    """A child as the cabinet's card shows it."""

    child: Child
    age: int
    certificate: Certificate | None
    money: CertificateMoney | None


def child_summaries_for_guardian(*, user: User, today: datetime.date) -> list[ChildSummary]:
    """The user's children with their age and certificate figures, for the cabinet."""
    children = child_list_for_guardian(user=user).select_related("certificate")
    summaries = []
    for child in children:
        certificate = getattr(child, "certificate", None)
        summaries.append(
            ChildSummary(
                child=child,
                age=child.age_on(today),
                certificate=certificate,
                money=certificate_money(certificate=certificate) if certificate else None,
            )
        )
    return summaries
