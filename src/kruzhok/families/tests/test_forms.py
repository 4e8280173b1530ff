import pytest
from django.utils import timezone

from kruzhok.common.validators import snils_is_valid
from kruzhok.families.forms import SNILS_EXAMPLE, ChildForm


def test_the_snils_example_shown_to_parents_passes_its_own_checksum():
    assert snils_is_valid(SNILS_EXAMPLE)
    form = ChildForm()
    assert SNILS_EXAMPLE in str(form["snils"].help_text)
    assert form.fields["snils"].widget.attrs["placeholder"] == SNILS_EXAMPLE


def test_a_future_birth_date_is_reported_together_with_the_other_fields_errors():
    tomorrow = timezone.localdate() + timezone.timedelta(days=1)
    form = ChildForm(
        {
            "last_name": "",
            "first_name": "😀",
            "birth_date": tomorrow.isoformat(),
            "snils": "123",
        }
    )

    assert not form.is_valid()
    assert set(form.errors) == {"last_name", "first_name", "birth_date", "snils"}
    assert "позже сегодняшнего дня" in form.errors["birth_date"][0]


@pytest.mark.parametrize("value", ["Иванов", "  Иванов  "])
def test_a_name_is_trimmed(value):
    form = ChildForm(
        {
            "last_name": value,
            "first_name": "Пётр",
            "birth_date": "2016-05-17",
            "snils": SNILS_EXAMPLE,
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["last_name"] == "Иванов"
