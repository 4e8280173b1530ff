"""The contract's money when it is concluded: the certificate issued and funded, its part reserved.

Only the state machine in `services` calls these, inside its own durable transactions; money
moves only through the certificates app's services.
"""

import datetime

from kruzhok.accounts.models import User
from kruzhok.catalog.models import FinancingSource
from kruzhok.certificates import services as certificate_services
from kruzhok.certificates.errors import InsufficientFunds
from kruzhok.certificates.models import BillingRegime, CertificateStatus
from kruzhok.certificates.selectors import certificate_reach_refusal
from kruzhok.common.services import sequence_next
from kruzhok.enrollment.errors import EnrollmentError
from kruzhok.enrollment.models import Application, Contract
from kruzhok.enrollment.offers import offer_compute


def contract_conclude(
    *,
    application: Application,
    parent: User,
    ip_address: str | None,
    user_agent: str,
    now: datetime.datetime,
    today: datetime.date,
) -> Contract:
    """Write the contract of a locked, accepted application with the offer's figures of this
    moment: the certificate issued and funded if needed, its part reserved by the ledger.
    Called by `services.contract_accept` inside its durable transaction, after the state
    checks; the state change itself stays there."""
    group = application.group
    program = group.program
    certificate = None
    regime = BillingRegime.PER_LESSON
    if program.financing_source == FinancingSource.CERTIFICATE:
        certificate = certificate_services.certificate_issue(child=application.child)
        financing = certificate_services.financing_program_current(
            municipality=application.child.municipality_id, day=today
        )
        reach = certificate_reach_refusal(
            child_municipality_id=application.child.municipality_id,
            provider_municipality_id=program.provider.municipality_id,
            day=today,
            financing_program=financing,
        )
        if reach is not None:
            raise EnrollmentError(reach)
        if financing is not None:
            regime = BillingRegime(financing.billing_regime)
        if financing is not None and (
            certificate.status != CertificateStatus.FUNDED
            or certificate.financing_program_id != financing.pk
        ):
            certificate = certificate_services.certificate_fund(
                certificate=certificate, financing_program=financing
            )
    offer = offer_compute(application=application, today=today)
    if offer.total_hours == 0:
        raise EnrollmentError("В группе не осталось занятий: договор заключить нельзя.")
    year = today.year
    contract = Contract.objects.create(
        application=application,
        number=f"{year}-{sequence_next(name=f'contract:{year}'):06d}",
        certificate=certificate,
        start_date=offer.start_date,
        end_date=offer.end_date,
        price_per_hour=offer.price_per_hour,
        total_hours=offer.total_hours,
        total_cost=offer.total_cost,
        certificate_part=offer.certificate_part,
        parent_part=offer.parent_part,
        accepted_at=now,
        accepted_by=parent,
        accepted_ip=ip_address,
        accepted_user_agent=user_agent[:300],
        billing_regime=regime,
    )
    if certificate is not None and offer.certificate_part > 0:
        try:
            contract.hold = certificate_services.contract_reserve(
                certificate=certificate,
                provider=program.provider,
                contract_id=contract.pk,
                amount=offer.certificate_part,
            )
        except InsufficientFunds as exc:
            raise EnrollmentError(
                "Свободных средств сертификата стало меньше, чем в оферте: обновите "
                "страницу и проверьте условия ещё раз."
            ) from exc
        contract.save(update_fields=["hold"])
    return contract
