"""Registering a cloud in admin: one way to connect, and its secret only by the name of an
OPENSTACK_* variable that visa's processes have; never another of visa's own secrets."""
import pytest

from instances.models import Cloud

CLOUDS = "/admin/instances/cloud/"
SITE_B = {"name": "Site B", "description": "", "enabled": "on", "priority": 200,
          "auth_url": "https://keystone.site-b.example.org:5000/v3", "region_name": "RegionOne",
          "project_name": "visa", "user_domain_name": "Default", "project_domain_name": "Default",
          "username": "visa-service", "password_variable": "OPENSTACK_PASSWORD_SITE_B"}


def errors(answer):
    return " ".join(message for messages in answer.context["adminform"].form.errors.values() for message in messages)


def test_the_secret_is_named_not_stored_and_must_be_in_the_environment(admin_client, db, monkeypatch):
    monkeypatch.delenv("OPENSTACK_PASSWORD_SITE_B", raising=False)
    answer = admin_client.post(f"{CLOUDS}add/", SITE_B)
    assert "OPENSTACK_PASSWORD_SITE_B is not set in visa's environment: set it on the web and worker hosts" \
        in errors(answer)
    answer = admin_client.post(f"{CLOUDS}add/", {**SITE_B, "password_variable": "DJANGO_SECRET_KEY"})
    assert "an environment variable starting with OPENSTACK_" in errors(answer)
    answer = admin_client.post(f"{CLOUDS}add/", {**SITE_B, "clouds_yaml": "site-b"})
    assert "Choose one way to connect" in errors(answer)
    assert not Cloud.objects.filter(name="Site B").exists()

    monkeypatch.setenv("OPENSTACK_PASSWORD_SITE_B", "the-password")
    assert admin_client.post(f"{CLOUDS}add/", SITE_B).status_code == 302
    cloud = Cloud.objects.get(name="Site B")
    assert "the-password" not in str(Cloud.objects.filter(pk=cloud.pk).values().get())
    assert cloud.connection["password"] == "the-password"  # read from the environment at connect time
    listing = admin_client.get(CLOUDS).content.decode()
    assert "https://keystone.site-b.example.org:5000/v3 (OPENSTACK_PASSWORD_SITE_B)" in listing
    assert "the OPENSTACK_* settings" in listing  # the cloud visa had before, made by the migration


@pytest.mark.parametrize("kind", ["application credential", "user"])
def test_a_missing_secret_stops_the_call_with_its_name_not_a_retry(kind, db, monkeypatch):
    from instances.cloud import driver

    monkeypatch.delenv("OPENSTACK_SECRET_GONE", raising=False)
    fields = {"application_credential_id": "abc", "application_credential_secret_variable": "OPENSTACK_SECRET_GONE"} \
        if kind == "application credential" else {"username": "visa", "password_variable": "OPENSTACK_SECRET_GONE"}
    cloud = Cloud.objects.create(name="Gone", auth_url="https://keystone.example.org/v3", **fields)
    with pytest.raises(driver.NotConfigured, match="OPENSTACK_SECRET_GONE is not set in visa's environment") as error:
        driver.connect(cloud)
    assert driver.transient(error.value) is None  # an instance there fails at once, saying why
