"""Charge.for_month becomes required once filled (a migration of its own: PostgreSQL does not
alter a table with updates pending in the same transaction)."""

from django.db import migrations, models
from django.db.models import F, Q


class Migration(migrations.Migration):
    dependencies = [("enrollment", "0006_charge_for_month")]

    operations = [
        migrations.AlterField(
            model_name="charge",
            name="for_month",
            field=models.DateField(
                help_text="первое число месяца занятия или оплаченного месяца",
                verbose_name="месяц занятия",
            ),
        ),
        migrations.AddConstraint(
            model_name="charge",
            constraint=models.CheckConstraint(
                condition=Q(for_month__day=1, billed_month__gte=F("for_month"))
                & (Q(month__isnull=True) | Q(for_month=F("month"))),
                name="charge_for_month_first_day_not_after_billing",
            ),
        ),
        migrations.AddIndex(
            model_name="charge",
            index=models.Index(
                condition=Q(reversal_billed_month__isnull=False),
                fields=["reversal_billed_month"],
                name="charge_reversal_billed_idx",
            ),
        ),
    ]
