from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """Django admin with visa's front page (`visa.adminsite`), named in INSTALLED_APPS in its place."""

    default_site = "visa.adminsite.AdminSite"
