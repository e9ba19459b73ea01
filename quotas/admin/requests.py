"""Users' requests to the operators, each kind with Accept and Refuse on its page and as actions
on the list, decided once (quotas.operators.settle) and told to the user by e-mail; the pending ones
wait on the admin front page (visa.waiting)."""
from django.contrib import admin

from visa import waiting
from visa.adminbuttons import DecisionAdmin

from .. import approval, increase
from ..models import ApprovalRequest, QuotaRequest


class RequestAdmin(DecisionAdmin, admin.ModelAdmin):
    """A kind of request: `decide` is its service (quotas.approval or quotas.increase), `asks` names
    what is asked for."""

    asks = ""
    list_filter = ["state"]
    search_fields = ["user__username", "user__email", "user__first_name", "user__last_name", "reason"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "decided_by")

    def pending(self, obj):
        return obj.state == obj.State.PENDING

    def decided_before(self, obj):
        return f"{obj.get_state_display()} by {obj.decided_by}"

    def decided(self, accept, requests):
        """What an operator decided, in words: "Accepted alice's request to launch on open data"."""
        verb = "Accepted" if accept else "Refused"
        names = [item.user.get_username() for item in requests]
        if len(names) == 1:
            return f"{verb} {names[0]}'s request {self.asks}; they were told by e-mail."
        return f"{verb} the requests of {', '.join(names)} {self.asks}; each was told by e-mail."


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(RequestAdmin):
    decide = staticmethod(approval.decide)
    asks = "to launch on open data"
    list_display = ["user", "state", "created_at", "reason", "decided_by", "decided_at"]
    readonly_fields = ["user", "reason", "state", "created_at", "decided_by", "decided_at"]


@admin.register(QuotaRequest)
class QuotaRequestAdmin(RequestAdmin):
    decide = staticmethod(increase.decide)
    asks = "for a bigger quota"
    list_display = ["user", "purpose", "asked", "state", "created_at", "reason", "decided_by", "decided_at"]
    list_filter = ["state", "purpose"]
    readonly_fields = ["user", "purpose", "asked", "reason", "state", "created_at", "decided_by", "decided_at"]
    fields = readonly_fields

    @admin.display(description="asked for (in all)")
    def asked(self, obj):
        return (f"{obj.max_instances} running instances, {obj.max_vcpus} vCPUs, {obj.max_ram_gb} GB RAM, "
                f"{obj.max_lifetime_hours // 24} days each")


waiting.register(ApprovalRequest, "Open-data approval requests", state=ApprovalRequest.State.PENDING)
waiting.register(QuotaRequest, "Requests for a bigger quota", state=QuotaRequest.State.PENDING)
