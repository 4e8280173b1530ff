"""Identity numbers: СНИЛС, ИНН, ОГРН/ОГРНИП and the Luhn digit of certificate numbers."""

import pytest
from django.core.exceptions import ValidationError

from kruzhok.common.validators import (
    format_snils,
    luhn_check_digit,
    luhn_is_valid,
    normalize_digits,
    ogrn_is_valid,
    snils_is_valid,
    validate_inn,
    validate_ogrn,
    validate_snils,
)

# --- СНИЛС ---------------------------------------------------------------------------------------
# Check number = Σ digit × weight (9..1) over the first nine digits; below 100 it is the sum,
# 100 and 101 give 00, above 101 the sum is taken mod 101 and a result of 100 gives 00 again.


@pytest.mark.parametrize(
    ("snils", "weighted_sum"),
    [
        ("112-233-445 95", 95),  # the textbook example
        ("322-222-223 00", 100),
        ("322-222-224 00", 101),
        ("525-555-555 00", 201),  # 201 mod 101 = 100 → 00
        ("087-654-303 00", 202),  # 202 mod 101 = 0 → 00
        ("999-999-999 01", 405),  # 405 mod 101 = 1
        ("11223344595", 95),  # without separators
    ],
)
def test_valid_snils(snils, weighted_sum):
    digits = normalize_digits(snils)
    assert sum(int(d) * (9 - i) for i, d in enumerate(digits[:9])) == weighted_sum
    assert snils_is_valid(snils)
    validate_snils(snils)


@pytest.mark.parametrize(
    "snils",
    [
        "112-233-445 96",
        "112-233-445 59",
        "322-222-223 01",  # sum 100 is 00, not 01
        "322-222-224 01",  # sum 101 is 00, not 01
        "525-555-555 99",
        "087-654-303 01",
        "121-233-445 95",  # two digits swapped
    ],
)
def test_snils_with_a_wrong_checksum_is_refused(snils):
    assert not snils_is_valid(snils)
    with pytest.raises(ValidationError) as error:
        validate_snils(snils)
    assert error.value.code == "checksum"


@pytest.mark.parametrize(
    "snils",
    [
        "",
        "112-233-445 9",
        "112-233-445 955",
        "1122334459",
        "112233445950",
        "112-233-445 9a",
        "١١٢٢٣٣٤٤٥٩٥",
    ],  # Arabic-Indic digits: the database accepts only 0-9
)
def test_snils_of_a_wrong_length_or_alphabet_is_refused(snils):
    assert not snils_is_valid(snils)
    with pytest.raises(ValidationError) as error:
        validate_snils(snils)
    assert error.value.code == "format"
    assert "11 цифр" in error.value.messages[0]


def test_snils_is_shown_grouped():
    assert format_snils("11223344595") == "112-233-445 95"
    assert format_snils("112") == "112"


# --- ИНН -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("inn", ["7707083893", "500100732259", "7707 083 893"])
def test_valid_inn(inn):
    validate_inn(inn)


@pytest.mark.parametrize("inn", ["7707083894", "7707083839", "500100732258", "500100732249"])
def test_inn_with_a_wrong_check_digit_is_refused(inn):
    with pytest.raises(ValidationError) as error:
        validate_inn(inn)
    assert error.value.code == "checksum"


@pytest.mark.parametrize("inn", ["", "770708389", "77070838931", "5001007322590", "77070838a3"])
def test_inn_of_a_wrong_length_is_refused(inn):
    with pytest.raises(ValidationError) as error:
        validate_inn(inn)
    assert error.value.code == "format"


# --- ОГРН / ОГРНИП -------------------------------------------------------------------------------


def test_ogrn_check_digits_by_hand():
    # ОГРН: the 12-digit prefix mod 11, lowest digit; ОГРНИП: the 14-digit prefix mod 13.
    assert 102770013219 % 11 % 10 == 5
    assert 30450011600015 % 13 == 7
    assert 30450011600005 % 13 == 10  # check digit 0: the lowest digit of the remainder


@pytest.mark.parametrize(
    "ogrn",
    [
        "1027700132195",  # ОГРН of ПАО Сбербанк
        "304500116000157",  # ОГРНИП
        "304500116000050",  # ОГРНИП whose remainder is 10 (python-stdnum refuses it)
        "1027-700-132-195",
    ],
)
def test_valid_ogrn(ogrn):
    assert ogrn_is_valid(ogrn)
    validate_ogrn(ogrn)


@pytest.mark.parametrize(
    "ogrn",
    [
        "1027700132194",
        "1027700132196",
        "304500116000158",
        "304500116000051",
        "0027700132195",  # an ОГРН never starts with 0
        "504500116000157",  # an ОГРНИП starts with 3 (or 4 for later records)
    ],
)
def test_ogrn_with_a_wrong_check_digit_is_refused(ogrn):
    assert not ogrn_is_valid(ogrn)
    with pytest.raises(ValidationError) as error:
        validate_ogrn(ogrn)
    assert error.value.code == "checksum"


@pytest.mark.parametrize(
    "ogrn", ["", "102770013219", "10277001321950", "3045001160001570", "1O27700132195"]
)
def test_ogrn_of_a_wrong_length_is_refused(ogrn):
    assert not ogrn_is_valid(ogrn)
    with pytest.raises(ValidationError) as error:
        validate_ogrn(ogrn)
    assert error.value.code == "format"


# --- Luhn ----------------------------------------------------------------------------------------


def test_luhn_check_digit_of_known_numbers():
    assert luhn_check_digit("7992739871") == 3  # the classic example
    assert luhn_check_digit("2600000001") == 3  # first certificate of region 26
    assert luhn_check_digit("0") == 0


@pytest.mark.parametrize("number", ["79927398713", "26000000013", "4111111111111111"])
def test_luhn_valid_numbers(number):
    assert luhn_is_valid(number)


@pytest.mark.parametrize(
    "number", ["79927398710", "79927398731", "26000000017", "", "7", "2600000001a", "1²"]
)
def test_luhn_invalid_numbers(number):
    assert not luhn_is_valid(number)
