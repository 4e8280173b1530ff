"""Two callers issuing one invoice's documents at once: PostgreSQL only (SQLite serialises
writers). The invoice's row lock makes the second wait and find the first one's documents."""

import threading

import pytest
from django.db import connection

from kruzhok.billing.documents import invoice_documents_issue
from kruzhok.billing.models import InvoiceDocument
from kruzhok.billing.tests.invoices import Line, invoice_make

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_callers_at_once_issue_each_document_once(world):
    invoice = invoice_make(world, lines=(Line("Андреев И. П.", "Шахматы", "Группа", 4, 4, 100, 0),))
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def issue(i: int) -> None:
        try:
            barrier.wait()
            results[i] = {d.kind: d.sha256 for d in invoice_documents_issue(invoice=invoice)}
        except Exception as exc:  # the test reports whatever a caller met
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results[0] == results[1], results
    assert InvoiceDocument.objects.filter(invoice=invoice).count() == 3
