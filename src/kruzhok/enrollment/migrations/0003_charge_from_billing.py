# The charge model moves here from billing (layers: README «Architecture»); its table keeps
# its name, so only Django's state and the content type change.

import django.db.models.deletion
import django.db.models.expressions
from django.db import migrations, models

from kruzhok.common.model_moves import content_type_moved


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('billing', '0002_monthclosure'),
        ('catalog', '0004_lessonchange_from_attendance'),
        ('certificates', '0002_transfers_append_only'),
        ('enrollment', '0002_life_cycle_and_enrollment_windows'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='Charge',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('lesson_value', models.BigIntegerField(verbose_name='стоимость занятия, коп.')),
                    ('certificate_amount', models.BigIntegerField(verbose_name='за счёт сертификата, коп.')),
                    ('parent_amount', models.BigIntegerField(verbose_name='доплата родителя, коп.')),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('reversed_at', models.DateTimeField(blank=True, null=True)),
                    ('contract', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='charges', to='enrollment.contract')),
                    ('lesson', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='charges', to='catalog.lesson')),
                    ('reversal', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='reversed_charge', to='certificates.transfer')),
                    ('transfer', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='charge', to='certificates.transfer')),
                ],
                options={
                    'verbose_name': 'начисление',
                    'verbose_name_plural': 'начисления',
                    'db_table': 'billing_charge',
                    'ordering': ['created_at', 'pk'],
                    'constraints': [models.UniqueConstraint(condition=models.Q(('reversed_at__isnull', True)), fields=('contract', 'lesson'), name='charge_one_active_per_lesson'), models.CheckConstraint(condition=models.Q(('certificate_amount__gte', 0), ('parent_amount__gte', 0), ('lesson_value', django.db.models.expressions.CombinedExpression(models.F('certificate_amount'), '+', models.F('parent_amount')))), name='charge_parts_sum_to_value')],
                },
            ),
            ],
        ),
        content_type_moved(model='charge', from_app='billing', to_app='enrollment'),
    ]
