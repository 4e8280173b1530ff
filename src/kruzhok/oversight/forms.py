"""Forms of the operator's pages that are not a register's filters: the СНИЛС search (a
POST, so the number never reaches a URL, a log or the browser's history) and the audit
log's filters."""

from typing import Any

from django import forms

from kruzhok.common.forms import BootstrapBoundField
from kruzhok.common.selectors import audit_action_label, audit_object_label
from kruzhok.common.validators import normalize_digits, validate_snils


class SnilsSearchForm(forms.Form):
    bound_field_class = BootstrapBoundField

    snils = forms.CharField(
        label="Найти по СНИЛС",
        max_length=20,
        help_text="11 цифр, например 112-233-445 95. Номер не попадёт в адрес страницы.",
        error_messages={"required": "Введите СНИЛС ребёнка."},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_snils(self) -> str:
        value: str = self.cleaned_data["snils"]
        validate_snils(value)
        return normalize_digits(value)


class AuditFilter(forms.Form):
    bound_field_class = BootstrapBoundField

    action = forms.ChoiceField(label="Действие", required=False)
    object_type = forms.ChoiceField(label="Объект", required=False)
    day_from = forms.DateField(
        label="С", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    day_to = forms.DateField(
        label="По", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(
        self, *args: Any, actions: list[str], object_types: list[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        action, object_type = self.fields["action"], self.fields["object_type"]
        assert isinstance(action, forms.ChoiceField) and isinstance(object_type, forms.ChoiceField)
        action.choices = [
            ("", "Все действия"),
            *sorted(((a, audit_action_label(a)) for a in actions), key=lambda c: c[1]),
        ]
        object_type.choices = [
            ("", "Все объекты"),
            *((t, audit_object_label(t).capitalize()) for t in object_types),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day_from, day_to = data.get("day_from"), data.get("day_to")
        if day_from and day_to and day_from > day_to:
            self.add_error("day_to", "Конец периода раньше начала: поменяйте даты местами.")
        return data
