from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "kruzhok.certificates"
    verbose_name = "Сертификаты и учёт средств"
