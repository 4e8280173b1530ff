"""Charge.for_month: the month a charge is for, stored (it was read through the lesson)."""

import django.db.models.functions.datetime
from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery


def fill(apps, schema_editor):
    Charge = apps.get_model("enrollment", "Charge")
    Lesson = apps.get_model("catalog", "Lesson")
    Charge.objects.filter(month__isnull=False).update(for_month=F("month"))
    Charge.objects.filter(lesson__isnull=False).update(
        for_month=django.db.models.functions.datetime.TruncMonth(
            Subquery(Lesson.objects.filter(pk=OuterRef("lesson_id")).values("date")[:1]),
            output_field=models.DateField(),
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
        ("enrollment", "0005_monthly_regime"),
    ]

    operations = [
        migrations.AddField(
            model_name="charge",
            name="for_month",
            field=models.DateField(null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
