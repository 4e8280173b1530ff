from django.apps import AppConfig


class EnrollmentConfig(AppConfig):
    name = "kruzhok.enrollment"
    verbose_name = "Заявки и договоры"
