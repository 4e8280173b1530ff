"""An invoice line bills its contract's charges of its month by rule (`InvoiceLine`), so the
row per billed charge (`InvoicedCharge`) and per billed-back reversal (`InvoicedReversal`) go.

Before they go, every link is checked against the rule: a link the rule would not make stops
the migration (nothing is dropped) rather than change what an issued invoice bills.
"""

from django.db import migrations
from django.db.models import F, Q


def links_follow_the_rule(apps, schema_editor):
    InvoicedCharge = apps.get_model("billing", "InvoicedCharge")
    InvoicedReversal = apps.get_model("billing", "InvoicedReversal")
    closure_month = F("line__invoice__closure__month")
    charge_off_rule = (
        ~Q(line__contract_id=F("charge__contract_id"))
        | ~Q(charge__billed_month=closure_month)
        | Q(line__corrects_month__isnull=True) & ~Q(charge__for_month=closure_month)
        | Q(line__corrects_month__isnull=False) & ~Q(charge__for_month=F("line__corrects_month"))
    )
    reversal_off_rule = (
        ~Q(line__contract_id=F("charge__contract_id"))
        | ~Q(charge__reversal_billed_month=closure_month)
        | ~Q(charge__billed_month=F("line__corrects_month"))
    )
    wrong = (
        InvoicedCharge.objects.filter(charge_off_rule).count()
        + InvoicedReversal.objects.filter(reversal_off_rule).count()
    )
    if wrong:
        raise RuntimeError(
            f"{wrong} billed charges are linked to invoice lines that the rule would not "
            "link them to: investigate before migrating."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0009_invoice_payment_reversal"),
        ("enrollment", "0006_charge_for_month"),
    ]

    operations = [
        migrations.RunPython(links_follow_the_rule, migrations.RunPython.noop),
        migrations.DeleteModel(name="InvoicedCharge"),
        migrations.DeleteModel(name="InvoicedReversal"),
    ]
