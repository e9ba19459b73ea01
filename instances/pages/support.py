"""Support staff's own page: the access they asked owners for, with the answers, and the desktops
they may enter now."""
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import render

from instances.models import AccessRequest, InstanceMember
from instances.states import GONE


@staff_member_required
def support(request):
    asked = (AccessRequest.objects.filter(user=request.user).exclude(instance__state__in=GONE)
             .select_related("instance__owner").order_by("-created_at"))
    admitted = (InstanceMember.objects.filter(user=request.user, token=None).exclude(instance__state__in=GONE)
                .select_related("instance__owner").order_by("-created_at"))
    return render(request, "instances/support.html", {"asked": asked, "admitted": admitted})
