from django.apps import AppConfig


class InstancesConfig(AppConfig):
    name = "instances"

    def ready(self):
        # quotas sits below this app and cannot count instances itself: its admin asks us.
        from quotas import usage
        from visa import metrics

        from .lifecycle.quota import usage_of_quotas
        from .metrics import DatabaseCollector
        from .sharing import receivers  # noqa: F401  membership changes reach live connections
        usage.register(usage_of_quotas)
        metrics.register(DatabaseCollector())  # gauges that are database truths, at each scrape
