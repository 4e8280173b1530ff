from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from kruzhok.enrollment.charges import lesson_certificate_share as certificate_share


def _split(lesson_values: list[int], certificate_part: int) -> list[int]:
    total = sum(lesson_values)
    contract = SimpleNamespace(total_cost=total, certificate_part=certificate_part)
    shares: list[int] = []
    for value in lesson_values:
        shares.append(
            certificate_share(
                value_before=sum(lesson_values[: len(shares)]),
                charged_before=sum(shares),
                lesson_value=value,
                contract=contract,  # type: ignore[arg-type]
            )
        )
    return shares


def test_shares_that_do_not_divide_evenly_still_total_to_the_kopeck():
    # Ten lessons of 3 000 ₽ (30 000 ₽ in all) of which the certificate pays 10 000,01 ₽.
    shares = _split([3_000_00] * 10, 10_000_01)
    assert sum(shares) == 10_000_01
    assert set(shares) == {1_000_00, 1_000_01}
    parent_parts = [3_000_00 - s for s in shares]
    assert sum(parent_parts) == 30_000_00 - 10_000_01


def test_the_certificate_is_charged_by_cumulative_rounding_down():
    shares = _split([100, 100, 100], 100)
    # floor(100/3)=33, floor(200/3)=66, floor(300/3)=100
    assert shares == [33, 33, 34]


def test_a_contract_without_certificate_part_charges_the_certificate_nothing():
    assert _split([500, 700], 0) == [0, 0]


@given(
    lesson_values=st.lists(st.integers(min_value=1, max_value=50_000_00), min_size=1, max_size=80),
    fraction=st.fractions(min_value=0, max_value=1),
)
def test_cumulative_split_always_matches_the_contract_parts(lesson_values, fraction):
    total = sum(lesson_values)
    certificate_part = int(total * fraction)
    shares = _split(lesson_values, certificate_part)
    assert sum(shares) == certificate_part
    running_value = 0
    running_shares = 0
    for value, share in zip(lesson_values, shares, strict=True):
        running_value += value
        running_shares += share
        assert 0 <= share <= value
        assert running_shares == running_value * certificate_part // total
