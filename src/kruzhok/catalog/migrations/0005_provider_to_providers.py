# Provider, ProviderModerationEvent, ProviderStaff and StaffInvitation moved to providers with
# their tables (see providers.0001_initial): the program's foreign key follows them, after the
# other apps' keys have (certificates.0003), and then catalog forgets them; only Django's state
# changes.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0004_lessonchange_from_attendance'),
        ('certificates', '0003_account_provider_from_providers'),
        ('providers', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='program',
                    name='provider',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='programs', to='providers.provider'),
                ),
                migrations.DeleteModel(name='ProviderModerationEvent'),
                migrations.DeleteModel(name='ProviderStaff'),
                migrations.DeleteModel(name='StaffInvitation'),
                migrations.DeleteModel(name='Provider'),
            ],
        ),
    ]
