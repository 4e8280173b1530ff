"""Moving a model to another app without touching its table (used by migrations).

The model keeps its `db_table`; the migrations of both apps only change Django's state
(`SeparateDatabaseAndState`), and the content type is renamed in place so that permissions and
admin log entries that point at it follow the model to its new app. The audit log names its
objects by label (`catalog.provider`) rather than by content type: a model the audit log
writes about relabels its rows too (`audit_rows_moved`).
"""

from typing import Any

from django.db import migrations


def content_type_moved(*, model: str, from_app: str, to_app: str) -> migrations.RunPython:
    """A reversible migration step that relabels the model's content type."""

    def relabel(source: str, target: str) -> Any:
        def run(apps: Any, schema_editor: Any) -> None:
            content_types = apps.get_model("contenttypes", "ContentType").objects.using(
                schema_editor.connection.alias
            )
            # A database whose content types were made after the move already has the new
            # label (the old one then names nothing and is left alone).
            if not content_types.filter(app_label=target, model=model).exists():
                content_types.filter(app_label=source, model=model).update(app_label=target)

        return run

    return migrations.RunPython(relabel(from_app, to_app), relabel(to_app, from_app))


def audit_rows_moved(*, model: str, from_app: str, to_app: str) -> migrations.RunPython:
    """A reversible migration step that relabels the audit log's rows about the model.

    The migration needs `common` among its dependencies (the audit log's app).
    """

    def relabel(source: str, target: str) -> Any:
        def run(apps: Any, schema_editor: Any) -> None:
            events = apps.get_model("common", "AuditEvent").objects.using(
                schema_editor.connection.alias
            )
            events.filter(object_type=f"{source}.{model}").update(object_type=f"{target}.{model}")

        return run

    return migrations.RunPython(relabel(from_app, to_app), relabel(to_app, from_app))
