"""A refusal of the ledger reaches the person as a Russian message, never as a server error."""

import pytest
from django.urls import reverse

from kruzhok.certificates import ledger
from kruzhok.certificates.models import Hold
from kruzhok.enrollment import services, withdrawal
from kruzhok.enrollment.errors import EnrollmentError
from kruzhok.enrollment.tests.world import TODAY, contract_made


@pytest.fixture
def closed_meanwhile(world, monkeypatch):
    """A contract whose reserve a period close releases just after the withdrawal read it:
    the close commits between the withdrawal's read of the reserve and its release."""
    contract = contract_made(world)
    still_needed = withdrawal.reserve_still_needed

    def the_close_comes_first(*, contract, on):
        hold = Hold.objects.get(pk=contract.hold_id)
        ledger.hold_void(hold=hold, key=f"void:period:test:{hold.pk}")
        return still_needed(contract=contract, on=on)

    monkeypatch.setattr(withdrawal, "reserve_still_needed", the_close_comes_first)
    return contract


def test_a_withdrawal_racing_a_period_close_is_refused_with_the_reason(world, closed_meanwhile):
    with pytest.raises(EnrollmentError, match="Резерв сертификата по договору только что"):
        services.contract_withdraw(
            actor=world.parent, application=closed_meanwhile.application, on=TODAY, reason="x"
        )
    closed_meanwhile.refresh_from_db()
    assert closed_meanwhile.terminated_on is None
    assert closed_meanwhile.hold is not None
    closed_meanwhile.hold.refresh_from_db()
    assert closed_meanwhile.hold.voided == 0, "the refused withdrawal rolled everything back"


def test_the_withdrawal_page_shows_that_refusal_instead_of_an_error(
    client, world, closed_meanwhile
):
    client.force_login(world.parent)
    response = client.post(
        reverse("enrollment:application_withdraw", args=[closed_meanwhile.application.pk]),
        {"on": TODAY.isoformat(), "reason": "Переезд"},
    )
    assert response.status_code == 400
    assert "Резерв сертификата по договору только что изменился" in response.content.decode()
