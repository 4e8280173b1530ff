from dataclasses import dataclass

from django.db.models import QuerySet

from kruzhok.certificates.models import Account, Certificate, Transfer


@dataclass(frozen=True)
class CertificateMoney:
    """Money figures of a certificate as the cabinet shows them (kopecks)."""

    credited: int
    debited: int
    balance: int
    reserved: int
    available: int


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


def certificate_operations(*, certificate: Certificate) -> QuerySet[Transfer]:
    """Every transfer touching the certificate's account, oldest first, with its contract."""
    return (
        Transfer.objects.filter(debit_account__certificate=certificate).union(
            Transfer.objects.filter(credit_account__certificate=certificate)
        )
    ).order_by("created_at", "pk")
