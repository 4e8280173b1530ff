"""One index fewer on invoice lines: the unique (invoice, contract, corrects_month) covers
every line and finds an invoice's lines, so the foreign key's own index on invoice goes."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0010_lines_bill_charges_by_rule"),
        ("enrollment", "0010_contract_monthly_index"),
    ]

    # The new constraint first: a correction line stays unique throughout.
    operations = [
        migrations.AddConstraint(
            model_name="invoiceline",
            constraint=models.UniqueConstraint(
                fields=("invoice", "contract", "corrects_month"),
                name="invoice_line_per_contract_and_month",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="invoiceline",
            name="invoice_correction_line_per_contract_and_month",
        ),
        migrations.AlterField(
            model_name="invoiceline",
            name="invoice",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="lines",
                to="billing.invoice",
                verbose_name="счёт",
            ),
        ),
    ]
