"""The children's funded certificates' money read by hand (see `common.rawsql`).

A parent's program page estimates, for each child and each group taking applications, what
the certificate would pay, and so reads the money left on each child's funded certificate.
Through the ORM (the certificates with their accounts' figures, `values_list`) the read cost
the portal about 0.5 ms of CPU to build for two rows (PostgreSQL, the demo's parent); written
once here from the models' metadata, about 0.1 ms. tests/test_financing.py holds it equal to
the ORM's query.
"""

import functools
from collections.abc import Sequence

from django.db import connection

from kruzhok.certificates.models import Account, Certificate, CertificateStatus
from kruzhok.common.rawsql import Aliased, placeholders


@functools.cache
def _statement(vendor: str, count: int) -> str:
    c, a = Aliased(Certificate, "c"), Aliased(Account, "a")
    return (
        f"SELECT {c['child']}, {a['credits_posted']}, {a['debits_posted']}, "
        f"{a['debits_pending']} FROM {c.table} "
        f"LEFT OUTER JOIN {a.table} ON {a['certificate']} = {c.pk} "
        f"WHERE {c['child']} IN ({placeholders(count)}) AND {c['status']} = %s"
    )


def funded_money_rows(
    *, child_ids: Sequence[int]
) -> list[tuple[int, int | None, int | None, int | None]]:
    """(child id, credits posted, debits posted, debits pending) of each of the children's
    funded certificates' account (None for each figure of a certificate without one); a child
    without a funded certificate has no row."""
    if not child_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            _statement(connection.vendor, len(child_ids)),
            [*child_ids, CertificateStatus.FUNDED.value],
        )
        return [(child, credited, debited, pending) for child, credited, debited, pending in cursor]
