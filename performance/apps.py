from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    name = "performance"
    verbose_name = "Performance measures"

    def ready(self) -> None:
        # Register the tasks in every process, not only in workers: the services queue them
        # by name (performance.services.rebuilds), and an eager Celery runs a task in the
        # request only when it is registered.
        from performance import tasks  # noqa: F401
