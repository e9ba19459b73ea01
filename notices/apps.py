from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = "Notices and notifications"

    def ready(self):
        from . import receivers  # noqa: F401  a published notice reaches open pages
