"""The ledger's accounts: who owns which (a municipality's treasury, a financing program's budget,
a certificate, a provider's payable and paid), created the first time they are needed and found
by owner with one indexed query. Part of the ledger: only the certificates app imports it."""

from typing import Any

from kruzhok.certificates.models import Account, AccountKind, Certificate, FinancingProgram
from kruzhok.common.models import Municipality
from kruzhok.providers.models import Provider


def treasury_account(*, municipality: Municipality) -> Account:
    """The outside source of a municipality's money: the only account allowed below zero."""
    account, _ = Account.objects.get_or_create(
        kind=AccountKind.TREASURY,
        municipality=municipality,
        defaults={"debits_must_not_exceed_credits": False},
    )
    return account


def budget_account(*, financing_program: FinancingProgram) -> Account:
    account, _ = Account.objects.get_or_create(
        kind=AccountKind.BUDGET,
        financing_program=financing_program,
        defaults={"municipality_id": financing_program.municipality_id},
    )
    return account


def certificate_account(*, certificate: Certificate) -> Account:
    account, _ = Account.objects.get_or_create(
        kind=AccountKind.CERTIFICATE,
        certificate=certificate,
        defaults={"municipality_id": certificate.municipality_id},
    )
    return account


def provider_account(*, provider: Provider, kind: AccountKind) -> Account:
    if kind not in (
        AccountKind.PROVIDER_PAYABLE,
        AccountKind.PROVIDER_PAID,
        AccountKind.PROVIDER_ADVANCE,
    ):
        raise ValueError(f"not a provider account kind: {kind}")
    account, _ = Account.objects.get_or_create(
        kind=kind,
        provider=provider,
        defaults={
            "municipality_id": provider.municipality_id,
            # Paid ahead of the work: the advance account goes below zero by design.
            "debits_must_not_exceed_credits": kind != AccountKind.PROVIDER_ADVANCE,
        },
    )
    return account


# Account ids by owner, read with one indexed query; the account is created (get_or_create
# above) only the first time.


def account_id_for_certificate(certificate: Certificate) -> int:
    found = _account_id(certificate_id=certificate.pk)
    return found if found is not None else certificate_account(certificate=certificate).pk


def account_id_for_budget(financing_program: FinancingProgram) -> int:
    found = _account_id(kind=AccountKind.BUDGET, financing_program_id=financing_program.pk)
    return found if found is not None else budget_account(financing_program=financing_program).pk


def account_id_for_provider(provider: Provider, kind: AccountKind) -> int:
    found = _account_id(kind=kind, provider_id=provider.pk)
    return found if found is not None else provider_account(provider=provider, kind=kind).pk


def _account_id(**owner: Any) -> int | None:
    return Account.objects.filter(**owner).values_list("pk", flat=True).first()
