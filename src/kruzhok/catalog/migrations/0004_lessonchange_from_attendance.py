# The lessonchange model moves here from attendance (layers: README «Architecture»); its table keeps
# its name, so only Django's state and the content type change.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from kruzhok.common.model_moves import content_type_moved


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('attendance', '0002_lessonchange'),
        ('catalog', '0003_provider_cabinet'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='LessonChange',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('kind', models.CharField(choices=[('cancelled', 'Отменено'), ('moved', 'Перенесено')], max_length=20, verbose_name='что изменено')),
                    ('from_date', models.DateField(verbose_name='была дата')),
                    ('from_time', models.TimeField(verbose_name='было время')),
                    ('to_date', models.DateField(blank=True, null=True, verbose_name='новая дата')),
                    ('to_time', models.TimeField(blank=True, null=True, verbose_name='новое время')),
                    ('reason', models.TextField(blank=True, verbose_name='причина')),
                    ('at', models.DateTimeField(auto_now_add=True, verbose_name='когда')),
                    ('actor', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='кто')),
                    ('lesson', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='changes', to='catalog.lesson')),
                ],
                options={
                    'verbose_name': 'изменение занятия',
                    'verbose_name_plural': 'изменения занятий',
                    'db_table': 'attendance_lessonchange',
                    'ordering': ['at', 'pk'],
                    'indexes': [models.Index(fields=['kind', 'from_date'], name='attendance__kind_9dd39d_idx')],
                    'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('kind', 'cancelled'), ('to_date__isnull', True), ('to_time__isnull', True)), models.Q(('kind', 'moved'), ('to_date__isnull', False), ('to_time__isnull', False)), _connector='OR'), name='lesson_change_target_matches_kind')],
                },
            ),
            ],
        ),
        content_type_moved(model='lessonchange', from_app='attendance', to_app='catalog'),
    ]
