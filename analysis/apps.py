from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "analysis"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (registers the blurred copies' file clean-up)
