"""Why a launch is refused: each refusal says what to do, and carries the details the API and
the launch pages show (`as_dict`)."""


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


class ApprovalRequired(LaunchRefused):
    code = "approval_required"


class CloudFull(LaunchRefused):
    code = "cloud_full"
