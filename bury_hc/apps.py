from django.apps import AppConfig


class BuryHcConfig(AppConfig):
    name = "bury_hc"
    verbose_name = "Shared: imports and provenance"
