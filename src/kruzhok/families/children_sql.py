"""A guardian's children read by hand (see `common.rawsql`).

A parent's program page offers the family's children in the form of each group taking
applications, and a rush sends thousands of parents to such pages. Through the ORM the read
cost the portal about 0.5 ms of CPU to build for two rows (PostgreSQL, the demo's parent);
written once here from the models' metadata, about 0.15 ms. tests/test_children_sql.py holds
it equal to `selectors.child_list_for_guardian`.
"""

import functools

from django.db import connection

from kruzhok.common.rawsql import Aliased, instance_from_row, model_fields
from kruzhok.families.models import Child, Guardianship

CHILD_FIELDS = model_fields(Child)


@functools.cache
def _statement(vendor: str) -> str:
    k, g = Aliased(Child, "k"), Aliased(Guardianship, "g")
    return (
        f"SELECT {k.columns(CHILD_FIELDS)} FROM {k.table} "
        f"INNER JOIN {g.table} ON {g['child']} = {k.pk} WHERE {g['user']} = %s "
        f"ORDER BY {k['last_name']}, {k['first_name']}, {k.pk}"
    )


def guardian_children(*, user_id: int) -> list[Child]:
    """The children the user is a guardian of, and only those, by surname and name (as
    `child_list_for_guardian`, the model's order)."""
    with connection.cursor() as cursor:
        cursor.execute(_statement(connection.vendor), [user_id])
        rows = cursor.fetchall()
    return [instance_from_row(Child, CHILD_FIELDS, row) for row in rows]
