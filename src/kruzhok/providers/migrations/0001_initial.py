# Providers, their staff, invitations and moderation history move here from catalog (layers:
# README «Architecture»); their tables keep their names, so only Django's state, the content
# types and the audit log's labels change.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from kruzhok.common.model_moves import audit_rows_moved, content_type_moved

MOVED = ['provider', 'providermoderationevent', 'providerstaff', 'staffinvitation']


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('catalog', '0004_lessonchange_from_attendance'),
        ('common', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Provider',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('organization', 'Организация'), ('entrepreneur', 'Индивидуальный предприниматель')], max_length=20, verbose_name='вид')),
                        ('full_name', models.CharField(max_length=500, verbose_name='полное наименование')),
                        ('short_name', models.CharField(max_length=200, verbose_name='краткое наименование')),
                        ('inn', models.CharField(max_length=12, unique=True, verbose_name='ИНН')),
                        ('ogrn', models.CharField(max_length=15, unique=True, verbose_name='ОГРН / ОГРНИП')),
                        ('license_number', models.CharField(blank=True, max_length=100, verbose_name='номер лицензии')),
                        ('address', models.CharField(max_length=500, verbose_name='адрес')),
                        ('phone', models.CharField(blank=True, max_length=20, verbose_name='телефон')),
                        ('email', models.EmailField(blank=True, max_length=254, verbose_name='электронная почта')),
                        ('website', models.URLField(blank=True, verbose_name='сайт')),
                        ('bank_name', models.CharField(blank=True, max_length=300, verbose_name='банк')),
                        ('bik', models.CharField(blank=True, max_length=9, verbose_name='БИК')),
                        ('settlement_account', models.CharField(blank=True, max_length=20, verbose_name='расчётный счёт')),
                        ('correspondent_account', models.CharField(blank=True, max_length=20, verbose_name='корреспондентский счёт')),
                        ('status', models.CharField(choices=[('moderating', 'На модерации'), ('approved', 'Допущен'), ('rejected', 'Отклонён'), ('blocked', 'Заблокирован')], default='moderating', max_length=20, verbose_name='статус')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='создан')),
                        ('municipality', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='providers', to='common.municipality', verbose_name='муниципалитет')),
                    ],
                    options={
                        'verbose_name': 'поставщик',
                        'verbose_name_plural': 'поставщики',
                        'db_table': 'catalog_provider',
                        'ordering': ['short_name'],
                    },
                ),
                migrations.CreateModel(
                    name='ProviderModerationEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('from_status', models.CharField(choices=[('moderating', 'На модерации'), ('approved', 'Допущен'), ('rejected', 'Отклонён'), ('blocked', 'Заблокирован')], max_length=20, verbose_name='было')),
                        ('to_status', models.CharField(choices=[('moderating', 'На модерации'), ('approved', 'Допущен'), ('rejected', 'Отклонён'), ('blocked', 'Заблокирован')], max_length=20, verbose_name='стало')),
                        ('remarks', models.TextField(blank=True, verbose_name='причина, замечания')),
                        ('at', models.DateTimeField(auto_now_add=True, verbose_name='когда')),
                        ('actor', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='кто')),
                        ('provider', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='moderation_events', to='providers.provider')),
                    ],
                    options={
                        'verbose_name': 'решение по поставщику',
                        'verbose_name_plural': 'история проверки поставщиков',
                        'db_table': 'catalog_providermoderationevent',
                        'ordering': ['-at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='ProviderStaff',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('role', models.CharField(choices=[('admin', 'Администратор'), ('teacher', 'Педагог')], max_length=20, verbose_name='роль')),
                        ('provider', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='staff', to='providers.provider')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='provider_roles', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'сотрудник поставщика',
                        'verbose_name_plural': 'сотрудники поставщиков',
                        'db_table': 'catalog_providerstaff',
                    },
                ),
                migrations.CreateModel(
                    name='StaffInvitation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('email', models.EmailField(max_length=254, verbose_name='электронная почта')),
                        ('role', models.CharField(choices=[('admin', 'Администратор'), ('teacher', 'Педагог')], max_length=20, verbose_name='роль')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='отправлено')),
                        ('expires_at', models.DateTimeField(verbose_name='действует до')),
                        ('accepted_at', models.DateTimeField(blank=True, null=True, verbose_name='принято')),
                        ('revoked_at', models.DateTimeField(blank=True, null=True, verbose_name='отозвано')),
                        ('accepted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='кто принял')),
                        ('invited_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='пригласил')),
                        ('provider', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='invitations', to='providers.provider')),
                    ],
                    options={
                        'verbose_name': 'приглашение сотрудника',
                        'verbose_name_plural': 'приглашения сотрудников',
                        'db_table': 'catalog_staffinvitation',
                        'ordering': ['-created_at', '-pk'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='provider',
                    constraint=models.CheckConstraint(condition=models.Q(('inn__regex', '^([0-9]{10}|[0-9]{12})$')), name='provider_inn_digits'),
                ),
                migrations.AddConstraint(
                    model_name='provider',
                    constraint=models.CheckConstraint(condition=models.Q(('ogrn__regex', '^([0-9]{13}|[0-9]{15})$')), name='provider_ogrn_digits'),
                ),
                migrations.AddConstraint(
                    model_name='provider',
                    constraint=models.CheckConstraint(condition=models.Q(('bik', ''), ('bik__regex', '^[0-9]{9}$'), _connector='OR'), name='provider_bik_digits'),
                ),
                migrations.AddConstraint(
                    model_name='provider',
                    constraint=models.CheckConstraint(condition=models.Q(('settlement_account', ''), ('settlement_account__regex', '^[0-9]{20}$'), _connector='OR'), name='provider_settlement_account_digits'),
                ),
                migrations.AddConstraint(
                    model_name='provider',
                    constraint=models.CheckConstraint(condition=models.Q(('correspondent_account', ''), ('correspondent_account__regex', '^[0-9]{20}$'), _connector='OR'), name='provider_correspondent_account_digits'),
                ),
                migrations.AddConstraint(
                    model_name='providerstaff',
                    constraint=models.UniqueConstraint(fields=('provider', 'user'), name='provider_staff_unique'),
                ),
                migrations.AddConstraint(
                    model_name='staffinvitation',
                    constraint=models.CheckConstraint(condition=models.Q(('accepted_at__isnull', True), ('revoked_at__isnull', True), _connector='OR'), name='invitation_accepted_or_revoked'),
                ),
            ],
        ),
        *(content_type_moved(model=model, from_app='catalog', to_app='providers') for model in MOVED),
        *(audit_rows_moved(model=model, from_app='catalog', to_app='providers') for model in MOVED),
    ]
