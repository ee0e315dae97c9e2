from django.apps import AppConfig


class BuryHcConfig(AppConfig):
    name = "bury_hc"
    verbose_name = "Shared: imports and provenance"

    def ready(self) -> None:
        from bury_hc import (
            converters,  # noqa: F401 - registers <quarter:…> and <financial_year:…>
            tasks,  # noqa: F401 - registered in every process: jobs go by name
        )
