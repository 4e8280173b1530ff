"""The demo's and the tests' identifiers pass the portal's own validators."""

from hypothesis import given
from hypothesis import strategies as st

from kruzhok.common.sample_numbers import inn_sample, ogrn_sample, snils_sample
from kruzhok.common.validators import ogrn_is_valid, snils_is_valid, validate_inn

serials = st.integers(min_value=0, max_value=99_999)


@given(serials, st.sampled_from(["2614", "2615", "2699", "78"]), st.booleans())
def test_every_sample_inn_and_ogrn_is_valid(serial, prefix, entrepreneur):
    inn = inn_sample(serial, prefix=prefix, entrepreneur=entrepreneur)
    ogrn = ogrn_sample(serial, prefix=prefix, entrepreneur=entrepreneur)
    assert len(inn) == (12 if entrepreneur else 10) and inn.startswith(prefix)
    assert len(ogrn) == (15 if entrepreneur else 13)
    validate_inn(inn)
    assert ogrn_is_valid(ogrn)


@given(st.integers(min_value=0, max_value=120_000))
def test_every_sample_snils_is_valid(serial):
    assert snils_is_valid(snils_sample(serial))


def test_different_prefixes_never_give_the_same_number():
    demo = {inn_sample(n, prefix="2614") for n in range(2000)}
    world = {inn_sample(n, prefix="2615") for n in range(2000)}
    assert not demo & world
    assert len({snils_sample(n) for n in range(5000)}) == 5000
