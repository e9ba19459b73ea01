import json

from django.conf import settings
from oauth2_provider.oauth2_validators import OAuth2Validator


def people():
    return json.loads((settings.STATE / "people.json").read_text())


class PeopleValidator(OAuth2Validator):
    """Says about each account what people.json says now (all but the password); groups and
    the facility user id come with the profile scope."""

    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "groups": "profile", "facility_user_id": "profile"}

    def get_additional_claims(self, request):
        person = people()[request.user.username]
        return {name: value for name, value in person.items() if name != "password"}
