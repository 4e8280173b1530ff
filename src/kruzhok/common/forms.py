"""Bootstrap look for Django forms, and service errors shown next to their fields."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField


class BootstrapBoundField(BoundField):
    """Bootstrap 5 classes on every widget, `is-invalid` on a field with errors.

    Django itself adds `aria-invalid` and `aria-describedby="<id>_error"`; the field template
    (`django/forms/field.html`) renders the error text under that id.
    """

    def build_widget_attrs(
        self, attrs: dict[str, Any], widget: forms.Widget | None = None
    ) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        classes = str(attrs.get("class") or widget.attrs.get("class") or "").split()
        if not classes:
            if isinstance(widget, forms.CheckboxInput):
                classes = ["form-check-input"]
            elif isinstance(widget, forms.Select):
                classes = ["form-select"]
            else:
                classes = ["form-control"]
        if self.errors and "is-invalid" not in classes:
            classes.append("is-invalid")
        attrs["class"] = " ".join(classes)
        return attrs


def add_service_errors(
    form: forms.BaseForm, error: ValidationError, field_map: dict[str, str] | None = None
) -> None:
    """Show a service's ValidationError on the form, next to the fields it names."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    field_map = field_map or {}
    for field, errors in error.error_dict.items():
        name = field_map.get(field, field)
        form.add_error(name if name in form.fields else None, errors)


def required_message(message: str) -> dict[str, str]:
    """`error_messages` of a required field that says in Russian what to fill in."""
    return {"required": message}


def choices_with_prompt(prompt: str, choices: Any) -> list[tuple[Any, str]]:
    """The choices after an empty first one that asks to choose ("Выберите …")."""
    return [("", prompt), *choices]
