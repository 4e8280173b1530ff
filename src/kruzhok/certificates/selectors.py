from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from kruzhok.certificates.ledger import transfer_effect_on
from kruzhok.certificates.models import (
    Account,
    AccountKind,
    Certificate,
    CertificateStatus,
    Transfer,
    TransferKind,
)
from kruzhok.families.models import Child


@dataclass(frozen=True)
class CertificateMoney:
    """Money figures of a certificate as the cabinet shows them (kopecks)."""

    credited: int
    debited: int
    balance: int
    reserved: int
    available: int


@dataclass(frozen=True)
class Operation:
    """One line of a certificate's history, signed from the certificate's point of view."""

    transfer_id: int
    created_at: datetime
    kind: str
    kind_label: str
    description: str
    program_title: str
    provider_name: str
    amount: int  # change of the balance, kopecks (credits minus debits)
    reserved_change: int  # change of the reserved amount, kopecks


@dataclass(frozen=True)
class CertificateCard:
    certificate: Certificate
    money: CertificateMoney
    operations: list[Operation]

    @property
    def is_funded(self) -> bool:
        return self.certificate.status == CertificateStatus.FUNDED


def certificate_money(*, certificate: Certificate) -> CertificateMoney:
    """Constant-time figures read from the account's running totals."""
    account = Account.objects.filter(certificate=certificate).first()
    if account is None:
        return CertificateMoney(0, 0, 0, 0, 0)
    return CertificateMoney(
        credited=account.credits_posted,
        debited=account.debits_posted,
        balance=account.balance,
        reserved=account.reserved,
        available=account.available,
    )


_KIND_LABELS_FOR_PARENT = {
    TransferKind.CREDIT: "Зачисление номинала",
    TransferKind.HOLD: "Резерв по договору",
    TransferKind.POST: "Списание за занятие",
    TransferKind.VOID: "Снятие резерва",
    TransferKind.EXPIRE: "Возврат остатка по окончании периода",
    TransferKind.REVERSE: "Отмена списания",
}


def certificate_operations(*, certificate: Certificate) -> list[Operation]:
    """Every transfer touching the certificate's account, oldest first, as the ledger holds it."""
    account = Account.objects.filter(certificate=certificate, kind=AccountKind.CERTIFICATE).first()
    if account is None:
        return []
    transfers = (
        Transfer.objects.filter(Q(debit_account=account) | Q(credit_account=account))
        .select_related(
            "hold__contract__application__group__program__provider",
            "reverses",
        )
        .order_by("created_at", "pk")
    )
    rows = []
    for t in transfers:
        contract = getattr(t.hold, "contract", None) if t.hold_id else None
        program = contract.application.group.program if contract else None
        effect = transfer_effect_on(t, account.pk)
        label = _KIND_LABELS_FOR_PARENT.get(TransferKind(t.kind), t.get_kind_display())
        if t.kind == TransferKind.REVERSE and t.reverses is not None:
            label = f"Сторно: {_KIND_LABELS_FOR_PARENT.get(TransferKind(t.reverses.kind), '')}"
        rows.append(
            Operation(
                transfer_id=t.pk,
                created_at=t.created_at,
                kind=t.kind,
                kind_label=label.lower().capitalize(),
                description=t.description,
                program_title=program.title if program else "",
                provider_name=program.provider.short_name if program else "",
                amount=effect.get("credits_posted", 0) - effect.get("debits_posted", 0),
                reserved_change=effect.get("debits_pending", 0),
            )
        )
    return rows


def certificate_card(*, child: Child) -> CertificateCard | None:
    """The child's certificate with its money and history, or None before one is issued."""
    certificate = (
        Certificate.objects.select_related("financing_program", "municipality")
        .filter(child=child)
        .first()
    )
    if certificate is None:
        return None
    return CertificateCard(
        certificate=certificate,
        money=certificate_money(certificate=certificate),
        operations=certificate_operations(certificate=certificate),
    )
