"""The municipal operator's work over the API: moderation of providers and programs, the
financing program, the month close and the reports' figures.

A municipal operator reaches their own municipality, a regional administrator every one (as
on the pages: `billing.selectors.operator_municipality_ids`, `providers.selectors`); another
municipality's objects are 404. Every write is the pages' own service with its checks and
its record of who did what.
"""

from ninja import Router

from kruzhok.api.routers.operator import financing, moderation, month_close, reports

router = Router(tags=["Оператор"])
# In the order the operations stand in the schema.
for part in (moderation, financing, month_close, reports):
    router.add_router("", part.router)
