# The LessonChange model moved to catalog with its table (see catalog.0004_lessonchange_from_attendance).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0004_lessonchange_from_attendance'),
        ('attendance', '0002_lessonchange'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='LessonChange')],
        ),
    ]
