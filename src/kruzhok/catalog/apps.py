from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "kruzhok.catalog"
    verbose_name = "Каталог: поставщики, программы, группы"
