from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "kruzhok.catalog"
    verbose_name = "Каталог: программы, группы, занятия"

    def ready(self) -> None:
        # A program's search document holds its provider's name: a renamed provider's programs
        # are found by the new name (providers cannot import catalog, so catalog listens).
        from kruzhok.catalog.programs import provider_search_refresh
        from kruzhok.providers.services import provider_renamed_connect

        provider_renamed_connect(provider_search_refresh)
