"""The reversals a month close bills back are looked up contract by contract: the index that
finds a month's reversals names their contract too."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0011_group_dates_in_range"),
        ("certificates", "0009_russian_labels"),
        ("enrollment", "0010_contract_monthly_index"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="charge",
            name="charge_reversal_billed_idx",
        ),
        migrations.AddIndex(
            model_name="charge",
            index=models.Index(
                condition=models.Q(("reversal_billed_month__isnull", False)),
                fields=["reversal_billed_month", "contract"],
                name="charge_reversal_billed_idx",
            ),
        ),
    ]
