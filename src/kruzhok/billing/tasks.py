"""Billing's background work, run by the tasks worker (`kruzhok db_worker`)."""

from django_tasks import task

from kruzhok.billing.month_close import month_close_run
from kruzhok.billing.periods import financing_period_close_run


@task()
def month_close_task(closure_id: int) -> None:
    """Bill the providers of a month close; safe to run again (the close resumes)."""
    month_close_run(closure_id=closure_id)


@task()
def period_close_task(closure_id: int) -> None:
    """Close a financing period started from the operator's page; safe to run again (the
    close resumes, and a run with nothing left changes nothing)."""
    financing_period_close_run(closure_id=closure_id)
