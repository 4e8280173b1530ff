"""Errors keyed by field, in Russian: how a service reports everything a person got wrong at
once, so that forms, the XLSX import and the API show each message next to its field."""

from django.core.exceptions import ValidationError
from django.db import models

Errors = dict[str, list[str]]


def error_add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def errors_merge(
    errors: Errors, exc: ValidationError, field_map: dict[str, str] | None = None
) -> None:
    """Add the messages of a ValidationError keyed by field, renaming fields by `field_map`."""
    field_map = field_map or {}
    for field, messages in exc.message_dict.items():
        errors.setdefault(field_map.get(field, field), []).extend(messages)


def full_clean_or_raise(instance: models.Model, errors: Errors) -> None:
    """Run the model's own field checks on top of ours; raise everything found at once.

    Our messages come first; database constraints are not checked here because each of them
    has a clearer Russian message in the service, and the database still enforces them.
    """
    try:
        instance.full_clean(exclude=list(errors), validate_constraints=False)
    except ValidationError as exc:
        errors_merge(errors, exc)
    if errors:
        raise ValidationError(errors)
