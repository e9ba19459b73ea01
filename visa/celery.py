import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "visa.settings")

app = Celery("visa")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
