from django.apps import AppConfig


class InstancesConfig(AppConfig):
    name = "instances"

    def ready(self):
        # quotas sits below this app and cannot count instances itself: its admin asks us.
        from quotas import usage

        from .lifecycle.quota import usage_of_quotas
        from .sharing import receivers  # noqa: F401  membership changes reach live connections
        usage.register(usage_of_quotas)
