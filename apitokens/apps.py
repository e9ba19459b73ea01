from django.apps import AppConfig


class ApiTokensConfig(AppConfig):
    name = "apitokens"
    verbose_name = "API tokens"

    def ready(self):
        from . import schema  # noqa: F401  registers the Bearer scheme with drf-spectacular
