"""The provider's cabinet over the API: programs, groups, lessons, the application queue
(accepting and rejecting in bulk), the attendance journal (marking in bulk), contracts,
invoices and their payments.

Every read is the pages' own selector, so a staff member sees exactly what the cabinet shows
them (an administrator the whole organisation, a teacher their own groups where the pages say
so), narrowed by a token to the one organisation it was issued for: a person working for two
providers reaches the other one only with the session or another token. Everything outside
that reach is 404, as on the pages. Every write is the pages' own service, one transaction
per application or mark, and the answer says what happened to each.
"""

from ninja import Router

from kruzhok.api.routers.provider import (
    applications,
    attendance,
    contracts,
    groups,
    invoices,
    programs,
)

router = Router(tags=["Поставщик"])
# In the order the operations stand in the schema.
for part in (programs, groups, applications, attendance, contracts, invoices):
    router.add_router("", part.router)
