import pytest
from django.core.exceptions import ValidationError

from kruzhok.providers.bank_details import (
    bank_details_validate,
    correspondent_account_is_valid,
    correspondent_account_with_key,
    settlement_account_is_valid,
    settlement_account_with_key,
)

# Публичные реквизиты: Ставропольское отделение № 5230 ПАО Сбербанк и УФК по Ставропольскому краю.
SBER_BIK = "040702615"
SBER_CORR = "30101810907020000615"
TREASURY_BIK = "010702101"
TREASURY_EKS = "40102810345370000013"


def test_real_correspondent_accounts_pass_the_control_key():
    assert correspondent_account_is_valid(account=SBER_CORR, bik=SBER_BIK)
    assert correspondent_account_is_valid(account="30101810400000000225", bik="044525225")
    assert correspondent_account_is_valid(account=TREASURY_EKS, bik=TREASURY_BIK)


def test_a_single_mistyped_digit_breaks_the_key_of_the_correspondent_account():
    typo = SBER_CORR[:-1] + "6"
    assert not correspondent_account_is_valid(account=typo, bik=SBER_BIK)


def test_a_settlement_account_is_checked_against_the_last_three_digits_of_the_bik():
    account = settlement_account_with_key(account="40702810060100000017", bik=SBER_BIK)
    assert settlement_account_is_valid(account=account, bik=SBER_BIK)
    # The same account at another bank's branch does not agree with that branch's БИК.
    assert not settlement_account_is_valid(account=account, bik="044525225")


def test_every_single_digit_typo_in_a_settlement_account_is_caught():
    account = settlement_account_with_key(account="40702810060100000017", bik=SBER_BIK)
    for position in range(20):
        digit = int(account[position])
        typo = account[:position] + str((digit + 1) % 10) + account[position + 1 :]
        assert not settlement_account_is_valid(account=typo, bik=SBER_BIK), position


def test_generated_keys_agree_with_the_checks():
    corr = correspondent_account_with_key(account="30101810007020000615", bik=SBER_BIK)
    assert corr == SBER_CORR


def test_validate_returns_bare_digits():
    account = settlement_account_with_key(account="40702810060100000017", bik=SBER_BIK)
    spaced = f"{account[:5]} {account[5:10]} {account[10:]}"
    assert bank_details_validate(
        bik=" 04-07-02-615 ", settlement_account=spaced, correspondent_account=SBER_CORR
    ) == (SBER_BIK, account, SBER_CORR)


def test_validate_names_each_wrong_field_in_russian():
    with pytest.raises(ValidationError) as error:
        bank_details_validate(
            bik="04070261", settlement_account="4070281006010000001", correspondent_account="abc"
        )
    messages = error.value.message_dict
    assert messages["bik"] == ["БИК состоит из 9 цифр, например 040702615."]
    assert "20 цифр, а здесь 19" in messages["settlement_account"][0]
    assert "только из цифр" in messages["correspondent_account"][0]


def test_a_key_mismatch_is_reported_on_the_account():
    with pytest.raises(ValidationError) as error:
        bank_details_validate(
            bik=SBER_BIK,
            settlement_account="40702810060100000017",  # key digit not computed
            correspondent_account=SBER_CORR,
        )
    messages = error.value.message_dict
    assert list(messages) == ["settlement_account"]
    assert "не сходится с БИК по контрольному ключу" in messages["settlement_account"][0]


def test_required_details_cannot_be_blank_but_optional_ones_can():
    with pytest.raises(ValidationError) as error:
        bank_details_validate(bik="", settlement_account="", correspondent_account="")
    assert set(error.value.message_dict) == {"bik", "settlement_account", "correspondent_account"}
    assert bank_details_validate(
        bik="", settlement_account="", correspondent_account="", required=False
    ) == ("", "", "")


def test_an_optional_account_still_needs_its_bik():
    with pytest.raises(ValidationError) as error:
        bank_details_validate(
            bik="", settlement_account="", correspondent_account=SBER_CORR, required=False
        )
    assert "bik" in error.value.message_dict
