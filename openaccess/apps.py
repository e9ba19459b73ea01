from django.apps import AppConfig


class OpenaccessConfig(AppConfig):
    name = "openaccess"
    verbose_name = "Open access: experiments and data"
