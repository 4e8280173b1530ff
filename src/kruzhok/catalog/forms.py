import hashlib
from decimal import Decimal
from typing import Any

from django import forms
from django.core.cache import cache
from django.http import QueryDict

from kruzhok.catalog.models import Direction, FinancingSource, Weekday
from kruzhok.catalog.programs import AGE_MAX, AGE_MIN
from kruzhok.common.models import Municipality
from kruzhok.common.money import rubles_to_kopecks
from kruzhok.providers.models import ProviderStatus

SORT_CHOICES = [
    ("relevance", "по соответствию"),
    ("price", "сначала дешевле"),
    ("newest", "сначала новые"),
]


class CatalogFilterForm(forms.Form):
    """The catalogue's GET filters; an invalid value is shown as an error and then ignored."""

    q = forms.CharField(
        label="Что ищете",
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Например: робототехника, шахматы"}
        ),
    )
    direction = forms.ChoiceField(
        label="Направленность",
        required=False,
        choices=[("", "Все направленности"), *Direction.choices],
    )
    age = forms.IntegerField(
        label="Возраст ребёнка, лет",
        required=False,
        min_value=AGE_MIN,
        max_value=AGE_MAX,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    source = forms.ChoiceField(
        label="Оплата",
        required=False,
        choices=[("", "Любая"), *FinancingSource.choices],
    )
    weekday = forms.TypedChoiceField(
        label="День недели",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Любой"), *((value, label.capitalize()) for value, label in Weekday.choices)],
    )
    price_max = forms.DecimalField(
        label="Час занятий не дороже, ₽",
        required=False,
        min_value=Decimal(0),
        max_digits=9,
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    municipality = forms.ModelChoiceField(
        label="Муниципалитет",
        required=False,
        queryset=Municipality.objects.none(),
        empty_label="Все муниципалитеты",
    )
    free = forms.BooleanField(label="Только со свободными местами", required=False)
    ovz = forms.BooleanField(label="Подходит детям с ОВЗ", required=False)
    sort = forms.ChoiceField(label="Сортировка", required=False, choices=SORT_CHOICES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        municipality_field = self.fields["municipality"]
        assert isinstance(municipality_field, forms.ModelChoiceField)
        municipality_field.queryset = Municipality.objects.filter(
            providers__status=ProviderStatus.APPROVED
        ).distinct()
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")

    def full_clean(self) -> None:
        super().full_clean()
        # Screen readers read the error together with the field it belongs to.
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-describedby"] = f"id_{name}_error"

    @property
    def offers_municipality_choice(self) -> bool:
        """Only a catalogue spanning several municipalities needs the choice."""
        field = self.fields["municipality"]
        assert isinstance(field, forms.ModelChoiceField)
        return field.queryset is not None and field.queryset.count() > 1

    @property
    def has_extra_filters(self) -> bool:
        """Whether any filter besides the text query is set: then the filters stay unfolded."""
        return any(self.data.get(name) for name in self.fields if name not in ("q", "sort"))

    def search_arguments(self) -> dict[str, Any]:
        """Keyword arguments for selectors.program_search from the fields that are valid."""
        self.is_valid()
        data = self.cleaned_data
        municipality = data.get("municipality")
        price_max = data.get("price_max")
        return {
            "q": data.get("q") or "",
            "direction": data.get("direction") or "",
            "age": data.get("age"),
            "free_seats_only": bool(data.get("free")),
            "ovz_only": bool(data.get("ovz")),
            "municipality_id": municipality.pk if municipality else None,
            "financing_source": data.get("source") or "",
            "weekday": data.get("weekday"),
            "price_max": rubles_to_kopecks(price_max) if price_max is not None else None,
            "sort": data.get("sort") or "relevance",
        }


def catalog_filter_form(query: QueryDict) -> CatalogFilterForm:
    """The filter form of this query string, checked: its errors are shown beside its fields."""
    form = CatalogFilterForm(query)
    form.is_valid()
    return form


# How long the search arguments of a query string are reused (the filter form's fragment is
# kept as long): a municipality that gains or loses its last approved provider is offered, or
# refused, within a minute.
ARGUMENTS_TTL_S = 60


def catalog_criteria(query: QueryDict) -> str:
    """The query string without its page number: what the filters and the search depend on."""
    criteria = query.copy()
    criteria.pop("page", None)
    return criteria.urlencode()


def catalog_search_arguments(query: QueryDict) -> dict[str, Any]:
    """CatalogFilterForm(query).search_arguments(), kept for ARGUMENTS_TTL_S seconds per query
    string (the page number aside): building and checking the form costs a catalogue page
    more than reading its cached cards."""
    digest = hashlib.blake2b(catalog_criteria(query).encode(), digest_size=16).hexdigest()
    key = f"catalog:arguments:{digest}"
    arguments: dict[str, Any] | None = cache.get(key)
    if arguments is None:
        arguments = CatalogFilterForm(query).search_arguments()
        cache.set(key, arguments, ARGUMENTS_TTL_S)
    return arguments
