from django.apps import AppConfig


class VideosConfig(AppConfig):
    name = "videos"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (registers file clean-up)
