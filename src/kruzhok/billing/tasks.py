"""Billing's background work, run by the tasks worker (`kruzhok db_worker`)."""

from django_tasks import task

from kruzhok.billing.month_close import closure_documents_issue, month_close_run
from kruzhok.billing.periods import financing_period_close_run


@task()
def month_close_task(closure_id: int) -> None:
    """Bill the providers of a month close, then render their invoices' documents; safe to
    run again (the close resumes)."""
    month_close_run(closure_id=closure_id)


@task()
def closure_documents_task(closure_id: int) -> None:
    """Render the documents of a closed month's invoices that have none yet (a close run from
    the console with `--documents later`); safe to run again."""
    closure_documents_issue(closure_id=closure_id)


@task()
def period_close_task(closure_id: int) -> None:
    """Close a financing period started from the operator's page; safe to run again (the
    close resumes, and a run with nothing left changes nothing)."""
    financing_period_close_run(closure_id=closure_id)
