"""My quota and usage in the REST API: for each purpose, what is used of each limit, as numbers."""
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services
from .models import Purpose


def _used_of(kind):
    return inline_serializer(f"Used{kind}", {"used": serializers.FloatField(), "limit": serializers.IntegerField()})


class QuotaSerializer(serializers.Serializer):
    quota = serializers.CharField(source="limits.source", help_text="Which quota applies")
    instances = _used_of("Instances")
    vcpus = _used_of("Vcpus")
    ram_gb = _used_of("RamGb")
    max_lifetime_hours = serializers.FloatField()
    images = serializers.ListField(child=serializers.IntegerField(), help_text="The environments it allows")
    flavours = serializers.ListField(child=serializers.IntegerField(), help_text="The sizes it allows")
    needs_approval = serializers.BooleanField(help_text="An operator must accept a request before a launch")
    approval = serializers.CharField(allow_null=True, help_text="The state of your last approval request")

    def to_representation(self, choices):
        limits, usage = choices["limits"], choices["usage"]
        return {
            "quota": limits.source,
            "instances": {"used": usage.instances, "limit": limits.instances},
            "vcpus": {"used": usage.vcpus, "limit": limits.vcpus},
            "ram_gb": {"used": usage.ram_mb / 1024, "limit": limits.ram_gb},
            "max_lifetime_hours": limits.lifetime.total_seconds() / 3600,
            "images": [image.pk for image, why in choices["environments"] if not why],
            "flavours": [flavour.pk for flavour, _ in choices["sizes"]
                         if limits.flavour_ids is None or flavour.pk in limits.flavour_ids],
            "needs_approval": choices["needs_approval"],
            "approval": choices["approval"] and choices["approval"].state,
        }


class MyQuota(APIView):
    @extend_schema(
        summary="Your quotas and what you use of them",
        description="`member`: launches with data of experiments you are a member of; `open`: open data only, "
                    "or no data. Usage counts your instances that are not deleted or failed.",
        responses={200: inline_serializer("MyQuota", {purpose: QuotaSerializer() for purpose in Purpose.values})},
    )
    def get(self, request):
        return Response({purpose: QuotaSerializer(services.launch_choices(request.user, purpose)).data
                         for purpose in Purpose.values})
