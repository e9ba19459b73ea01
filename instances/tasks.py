from celery import shared_task

from . import services
from .models import Instance


@shared_task
def provision(instance_pk):
    services.provision(Instance.objects.get(pk=instance_pk))


@shared_task
def destroy(instance_pk):
    services.destroy(Instance.objects.get(pk=instance_pk))
