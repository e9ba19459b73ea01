"""Schema pieces every part of the API shares: the error body, and a drf-spectacular hook that
documents on each operation the answers any signed-in operation, or any page of a list, may give."""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "What went wrong, for a person to read"}},
    "required": ["detail"],
}


class ErrorSerializer(serializers.Serializer):
    """{"detail": ...}: what DRF answers for any refusal."""

    detail = serializers.CharField(help_text="What went wrong, for a person to read")


INVALID = OpenApiResponse(OpenApiTypes.OBJECT, description=(
    "What is wrong with the request: {field: [messages]} (a list's items by position), "
    "or {\"detail\": ...} for a body that is not JSON"))


def document_refusals(result, generator, request, public):
    """401 (no or a bad token or session), 403 (e.g. a session request without its CSRF token) and
    429 (too many failed sign-ins from this address: visa/lockout.py) can answer any operation that
    needs a signed-in user; say so once here, not on every view."""
    result.setdefault("components", {}).setdefault("schemas", {}).setdefault("Error", ERROR)
    ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for operations in result["paths"].values():
        for operation in operations.values():
            if {} in operation.get("security", [{}]):
                continue  # open to anyone
            responses = operation["responses"]
            responses.setdefault("401", {"description": "Not signed in: no token or session, or a bad one", **ref})
            responses.setdefault("403", {"description": "Refused", **ref})
            responses.setdefault("429", {"description": "Too many failed sign-ins: the detail says when to try "
                                                        "again, as does the Retry-After header", **ref})
            if any(parameter["name"] == "page" for parameter in operation.get("parameters", [])):
                responses.setdefault("404", {"description": "No such page", **ref})
    return result
