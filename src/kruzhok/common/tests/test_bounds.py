import datetime

from kruzhok.common.bounds import (
    ID_MAX,
    IdConverter,
    date_in_range,
    id_parse,
    ids_parse,
    plan_horizon,
)


def test_an_identifier_is_a_positive_integer_that_fits_the_database():
    assert id_parse("42") == 42
    assert id_parse(str(ID_MAX)) == ID_MAX
    for bad in (str(ID_MAX + 1), "99999999999999999999999", "0", "-1", "1e3", "١٢", "", None):
        assert id_parse(bad) is None, bad


def test_ticked_identifiers_drop_the_unreadable_and_keep_each_once():
    assert ids_parse(["3", "x", "3", "99999999999999999999999", "1"]) == [3, 1]


def test_the_url_converter_refuses_an_overflowing_number():
    converter = IdConverter()
    assert converter.to_python("7") == 7
    try:
        converter.to_python(str(ID_MAX + 1))
    except ValueError:
        pass
    else:
        raise AssertionError("an overflowing identifier matched")


def test_the_planning_horizon_is_two_academic_years_ahead():
    assert plan_horizon(datetime.date(2026, 11, 29)) == datetime.date(2029, 8, 31)
    assert plan_horizon(datetime.date(2027, 3, 1)) == datetime.date(2029, 8, 31)


def test_dates_out_of_range_get_a_message_with_the_range():
    assert date_in_range(datetime.date(2026, 9, 1)) == ""
    assert "01.01.2000" in date_in_range(datetime.date(1900, 1, 1))
    assert date_in_range(datetime.date(9999, 12, 31)) != ""
