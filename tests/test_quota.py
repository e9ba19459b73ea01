import pytest

from instances import services
from quotas.models import Quota
from quotas.services import QuotaExceeded
from tests.factories import demo_image_and_flavour, make_experiment, make_user


def test_a_launch_past_the_quota_is_refused_with_what_to_do(db):
    user = make_user()
    Quota.objects.create(user=user, max_instances=1)
    experiment = make_experiment(members=[user])
    image, flavour = demo_image_and_flavour()
    services.launch(user, [experiment], image, flavour)
    with pytest.raises(QuotaExceeded, match="1 of 1 instances running: delete one, or ask for more"):
        services.launch(user, [experiment], image, flavour)
