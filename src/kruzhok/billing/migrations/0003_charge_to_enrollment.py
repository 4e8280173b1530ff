# The Charge model moved to enrollment with its table (see enrollment.0003_charge_from_billing).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('enrollment', '0003_charge_from_billing'),
        ('billing', '0002_monthclosure'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='Charge')],
        ),
    ]
