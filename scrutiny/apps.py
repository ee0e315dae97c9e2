from django.apps import AppConfig


class ScrutinyConfig(AppConfig):
    name = "scrutiny"
    verbose_name = "Committees and packs"

    def ready(self) -> None:
        # Register the tasks in every process, not only in workers: the services send them by
        # name (bury_hc.jobs), and an eager Celery runs a task in the request only when it is
        # registered.
        from scrutiny import tasks  # noqa: F401
