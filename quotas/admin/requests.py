"""Users' requests to the operators, each kind with Accept and Refuse on its page and as actions
on the list, decided once (quotas.operators.settle) and told to the user by e-mail; the pending ones
wait on the admin front page (visa.waiting)."""
from django.contrib import admin, messages

from visa import waiting
from visa.adminbuttons import Button, ButtonsMixin, Refused

from .. import approval, increase
from ..models import ApprovalRequest, QuotaRequest


class RequestAdmin(ButtonsMixin, admin.ModelAdmin):
    """A kind of request: `decide(request, operator, accept)` acts, `asks` names what is asked for."""

    decide = None
    asks = ""
    list_filter = ["state"]
    search_fields = ["user__username", "user__email", "user__first_name", "user__last_name", "reason"]
    actions = ["accept", "refuse"]
    buttons = (Button("accept", "Accept"), Button("refuse", "Refuse"))
    buttons_heading = "Decide"

    def has_add_permission(self, request):
        return False  # users ask from visa's pages

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "decided_by")

    def offers(self, obj, button):
        return obj.state == obj.State.PENDING

    def decided(self, accept, requests):
        """What an operator decided, in words: "Accepted alice's request to launch on open data"."""
        verb = "Accepted" if accept else "Refused"
        names = [item.user.get_username() for item in requests]
        if len(names) == 1:
            return f"{verb} {names[0]}'s request {self.asks}; they were told by e-mail."
        return f"{verb} the requests of {', '.join(names)} {self.asks}; each was told by e-mail."

    def press(self, request, obj, button):
        accept = button.name == "accept"
        if not self.decide(obj, request.user, accept):
            obj.refresh_from_db()
            raise Refused(f"This request was decided before ({obj.get_state_display()} by {obj.decided_by}); "
                          "nothing was changed.")
        return self.decided(accept, [obj])

    def _decide(self, request, queryset, accept):
        decided = [item for item in queryset if self.decide(item, request.user, accept)]
        for item in decided:
            self.log_change(request, item, "Accepted." if accept else "Refused.")
        if decided:
            self.message_user(request, self.decided(accept, decided), messages.SUCCESS)
        if len(decided) < len(queryset):
            self.message_user(request, f"{len(queryset) - len(decided)} of the selected requests had already been "
                                       "decided: left unchanged.", messages.WARNING)

    @admin.action(description="Accept (and tell the users by e-mail)", permissions=["change"])
    def accept(self, request, queryset):
        self._decide(request, queryset, True)

    @admin.action(description="Refuse (and tell the users by e-mail)", permissions=["change"])
    def refuse(self, request, queryset):
        self._decide(request, queryset, False)


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
