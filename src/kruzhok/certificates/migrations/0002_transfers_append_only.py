"""Transfers are append-only: the database itself refuses to change or delete one."""

from django.db import migrations

PG_FORWARD = """
CREATE FUNCTION kruzhok_transfer_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger transfers are append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER certificates_transfer_append_only
    BEFORE UPDATE OR DELETE ON certificates_transfer
    FOR EACH ROW EXECUTE FUNCTION kruzhok_transfer_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS certificates_transfer_append_only ON certificates_transfer;
DROP FUNCTION IF EXISTS kruzhok_transfer_append_only();
"""
# SQLite: UPDATE only. Django's test flush empties tables with DELETE on SQLite.
SQLITE_FORWARD = """
CREATE TRIGGER certificates_transfer_no_update BEFORE UPDATE ON certificates_transfer
BEGIN SELECT RAISE(ABORT, 'ledger transfers are append-only: UPDATE refused'); END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS certificates_transfer_no_update;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # params=None: otherwise psycopg reads the % of RAISE as a query placeholder.
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("certificates", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
