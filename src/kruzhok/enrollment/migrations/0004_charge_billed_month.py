# Every charge so far is billed in its lesson's month (no month had been billed yet).

from django.db import migrations, models
from django.db.models.functions import TruncMonth


def bill_in_the_lessons_month(apps, schema_editor):
    Charge = apps.get_model("enrollment", "Charge")
    Lesson = apps.get_model("catalog", "Lesson")
    db = schema_editor.connection.alias
    months = Lesson.objects.using(db).filter(charges__isnull=False).annotate(
        month=TruncMonth("date")
    ).values_list("pk", "month").distinct()
    by_month = {}
    for lesson_id, month in months:
        by_month.setdefault(month, []).append(lesson_id)
    for month, lesson_ids in by_month.items():
        Charge.objects.using(db).filter(lesson_id__in=lesson_ids).update(billed_month=month)


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0005_provider_to_providers'),
        ('certificates', '0003_account_provider_from_providers'),
        ('enrollment', '0003_charge_from_billing'),
    ]

    operations = [
        migrations.AddField(
            model_name='charge',
            name='billed_month',
            field=models.DateField(help_text='первое число месяца', null=True, verbose_name='месяц счёта'),
        ),
        migrations.RunPython(bill_in_the_lessons_month, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='charge',
            name='billed_month',
            field=models.DateField(help_text='первое число месяца', verbose_name='месяц счёта'),
        ),
        migrations.AddField(
            model_name='charge',
            name='reversal_billed_month',
            field=models.DateField(blank=True, help_text='отмена начисления из закрытого месяца входит в счёт этого месяца', null=True, verbose_name='месяц корректировки отмены'),
        ),
        migrations.AddIndex(
            model_name='charge',
            index=models.Index(fields=['billed_month'], name='charge_billed_month_idx'),
        ),
        migrations.AddConstraint(
            model_name='charge',
            constraint=models.CheckConstraint(condition=models.Q(('billed_month__day', 1), models.Q(('reversal_billed_month__isnull', True), ('reversal_billed_month__day', 1), _connector='OR')), name='charge_billed_months_are_first_days'),
        ),
        migrations.AddConstraint(
            model_name='charge',
            constraint=models.CheckConstraint(condition=models.Q(('reversal_billed_month__isnull', True), ('reversed_at__isnull', False), _connector='OR'), name='charge_reversal_billed_only_when_reversed'),
        ),
    ]
