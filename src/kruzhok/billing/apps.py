from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "kruzhok.billing"
    verbose_name = "Начисления и расчёты"
