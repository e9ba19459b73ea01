"""Why a launch is refused: each refusal says what to do, and carries the details the API and
the launch pages show (`as_dict`)."""
from django.urls import reverse
from django.utils.http import urlencode


def ask_for_more(purpose):
    """Where a user asks the operators for more of the quota for `purpose` (quotas.views)."""
    return f"{reverse('ask-for-more')}?{urlencode({'purpose': purpose})}"


class LaunchRefused(Exception):
    """A launch that quotas or the cloud do not allow; the message says what to do."""

    code = "refused"

    def __init__(self, message, **details):
        super().__init__(message)
        self.details = details

    def as_dict(self):
        return {"code": self.code, "detail": str(self), **self.details}


class QuotaExceeded(LaunchRefused):
    code = "quota_exceeded"

    def as_dict(self):
        return {**super().as_dict(), "ask_for_more": ask_for_more(self.details["purpose"])}


class ApprovalRequired(LaunchRefused):
    code = "approval_required"


class CloudFull(LaunchRefused):
    code = "cloud_full"


class IdentityRequired(LaunchRefused):
    """The site requires a facility identity for the owner's account in the VM
    (VISA_REQUIRE_FACILITY_IDENTITY) and the user has none."""

    code = "facility_identity_required"
