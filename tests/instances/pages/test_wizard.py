"""The new-desktop wizard at /instances/new as a scientist uses it, in Debian's chromium driven by
Playwright: find data, choose an environment and a size the quota allows, launch; a refused
launch keeps every choice and says what stopped it beside the field it is about."""
import html
import re

import pytest

from instances.models import Flavour, Image, Instance
from quotas.models import Purpose, Quota
from tests.support.a11y import assert_accessible
from tests.support.browser import SHOTS
from tests.support.cleanup import remove
from tests.support.factories import make_experiment, make_user
from tests.support.web import WebUser

INSTANCE_PAGE = re.compile(r"/instances/[0-9a-f-]{36}/$")


def member_with(vcpus, instances=2):
    """A user with a member's quota of their own: `vcpus` vCPUs, so m1.large (8) does not fit."""
    user = make_user()
    Quota.objects.create(user=user, purpose=Purpose.MEMBER, max_instances=instances, max_vcpus=vcpus, max_ram_gb=32)
    return user


def size(page, name):
    return page.locator("label.tile", has=page.get_by_role("radio", name=re.compile(name)))


def test_find_data_choose_environment_and_size_and_launch(signed_in, committed):
    user = member_with(vcpus=4)
    make_experiment(title="Ptychography of lithium battery cathodes", members=[user],
                    data_path="/pnfs/facility/raw/p-cathodes")
    page = signed_in(user, "/instances/new")
    try:
        assert page.get_by_text("None chosen yet").is_visible()
        assert_accessible(page)
        page.screenshot(path=SHOTS / "wizard-start.png")

        page.get_by_label("Find an experiment").fill("battery cathodes")
        page.get_by_role("button", name="Add Ptychography of lithium battery cathodes").click()
        added = page.locator("#chosen-list").get_by_role("checkbox", name=re.compile("lithium battery"))
        added.wait_for()
        assert added.is_checked() and added.evaluate("box => box === document.activeElement")
        assert page.locator("#results").get_by_text("Added").is_visible()
        # the member's quota now applies: 4 vCPUs, so the large size is greyed with the reason
        page.locator("#quota", has_text="Your quota:").wait_for()
        large = size(page, "m1.large")
        assert large.get_by_role("radio").is_disabled()
        assert large.get_by_text("Unavailable: needs 8 vCPUs, your quota has 4 left.").is_visible()

        page.get_by_role("radio", name=re.compile("AlmaLinux 9 Desktop")).check()
        assert page.get_by_text("A plain desktop with a terminal").is_visible()
        page.get_by_role("radio", name=re.compile("m1.medium")).check()
        page.get_by_label("Name").fill("Cathode analysis")
        assert_accessible(page)
        page.screenshot(path=SHOTS / "wizard-chosen.png")

        page.get_by_role("button", name="Launch", exact=True).click()
        page.wait_for_url(INSTANCE_PAGE)
        assert page.get_by_role("heading", name=re.compile("Cathode analysis")).is_visible()
        page.get_by_role("button", name="Details").click()  # the data mounted is listed there
        assert page.get_by_text("/pnfs/facility/raw/p-cathodes").is_visible()
        instance = Instance.objects.get(owner=user)
        assert (instance.image.name, instance.flavour.name) == ("AlmaLinux 9 Desktop", "m1.medium")
    finally:
        remove(list(Instance.objects.filter(owner=user)))


def test_a_refused_launch_keeps_every_choice_and_says_why_beside_the_size(signed_in, stack, committed):
    user = member_with(vcpus=4)
    first, second = (make_experiment(title=f"Operando XRD of catalyst {n}", members=[user]) for n in "AB")
    page = signed_in(user, f"/instances/new?proposals={first.proposal_id},{second.proposal_id}")
    try:
        page.get_by_role("radio", name=re.compile("m1.medium")).check()
        page.get_by_label("Name").fill("Catalysts")
        # meanwhile the same user launches a small desktop elsewhere: 2 of the 4 vCPUs are gone
        elsewhere = WebUser(stack.url, user.username, "pw-for-tests")
        answer = elsewhere.post_form("/instances/new", "/instances/new", {
            "experiment": first.pk, "image": Image.objects.get(name="Ubuntu 24.04 Desktop").pk,
            "flavour": Flavour.objects.get(name="m1.small").pk, "another": "1"})
        assert INSTANCE_PAGE.search(answer.url)

        page.get_by_role("button", name=re.compile("^Launch")).click()
        error = page.locator("#flavour-error")
        error.wait_for()
        assert error.inner_text() == ("m1.medium needs 4 vCPUs and 2 of your 4 vCPUs are in use: "
                                      "choose a smaller size, delete an instance, or ask for more.")
        medium = page.get_by_role("radio", name=re.compile("m1.medium"))
        assert medium.is_checked() and medium.get_attribute("aria-invalid") == "true"
        assert "flavour-error" in medium.get_attribute("aria-describedby")
        for experiment in (first, second):  # nothing lost
            assert page.locator("#chosen-list").get_by_role("checkbox", name=re.compile(experiment.title)).is_checked()
        assert page.get_by_label("Name").input_value() == "Catalysts"
        assert size(page, "m1.medium").get_by_text("needs 4 vCPUs, your quota has 2 left").is_visible()
        assert_accessible(page)
        error.scroll_into_view_if_needed()
        page.screenshot(path=SHOTS / "wizard-refused.png")

        page.get_by_role("radio", name=re.compile("m1.small")).check()
        page.get_by_role("button", name=re.compile("^Launch")).click()
        page.wait_for_url(INSTANCE_PAGE)
        assert page.get_by_role("heading", name=re.compile("Catalysts")).is_visible()
    finally:
        remove(list(Instance.objects.filter(owner=user)))


def test_over_the_instance_quota_the_wizard_says_so_before_launch(signed_in, stack, committed):
    user = member_with(vcpus=8, instances=1)
    experiment = make_experiment(title="Coherent diffraction imaging of nanocrystals", members=[user])
    scientist = WebUser(stack.url, user.username, "pw-for-tests")
    form = {"experiment": experiment.pk, "image": Image.objects.get(name="Ubuntu 24.04 Desktop").pk,
            "flavour": Flavour.objects.get(name="m1.small").pk, "another": "1"}
    assert INSTANCE_PAGE.search(scientist.post_form("/instances/new", "/instances/new", form).url)
    try:
        page = signed_in(user, f"/instances/new?proposals={experiment.proposal_id}")
        message = "1 of 1 instances running: delete one, or ask for more."
        assert page.locator("#full", has_text=message).is_visible()
        assert page.locator("#running", has_text="You already have a desktop with this data").is_visible()
        assert page.get_by_role("button", name="Launch another").is_disabled()  # the notice says why, and
        assert page.locator("#full").get_by_role("link", name="Ask for more").is_visible()  # what to do
        assert page.get_by_text("Unavailable: 1 of 1 instances running.").count() == 3  # each size, truly
        assert_accessible(page)
        page.screenshot(path=SHOTS / "wizard-over-quota.png")
    finally:
        remove(list(Instance.objects.filter(owner=user)))


# The same page over HTTP: what each failure looks like, and the picker.

@pytest.fixture
def member(stack, committed):
    user = member_with(vcpus=8)
    return user, WebUser(stack.url, user.username, "pw-for-tests")


def choices(**fields):
    return {"image": Image.objects.get(name="Ubuntu 24.04 Desktop").pk,
            "flavour": Flavour.objects.get(name="m1.small").pk, **fields}


def test_missing_and_malformed_fields_are_shown_beside_them_with_every_choice_kept(member):
    user, scientist = member
    mine = make_experiment(members=[user])
    page = scientist.post_form("/instances/new", "/instances/new",
                               choices(experiment=mine.pk, flavour="", name="n" * 101))
    assert page.status_code == 200 and page.url.endswith("/instances/new")
    assert '<small class="field-error" id="flavour-error">Choose a size.</small>' in page.text
    assert '<small class="field-error" id="name-error">Keep the name to 100 characters (it has 101).</small>' in page.text
    assert f'name="experiment" value="{mine.pk}" checked' in page.text
    assert f'value="{"n" * 101}"' in page.text
    assert f'name="image" value="{choices()["image"]}" checked' in page.text
    assert not Instance.objects.filter(owner=user).exists()


def test_data_the_user_may_no_longer_read_is_named_and_left_out(member):
    user, scientist = member
    mine, closed = make_experiment(members=[user]), make_experiment(title="Closed crystallography")
    page = scientist.post_form("/instances/new", "/instances/new", choices(experiment=[mine.pk, closed.pk]))
    assert page.status_code == 200
    assert f'id="experiment-error">You may not read the data of {closed.proposal_id}.</p>' in page.text
    assert f'name="experiment" value="{mine.pk}" checked' in page.text and "Closed crystallography" not in page.text
    assert not Instance.objects.filter(owner=user).exists()


def test_a_cloud_that_does_not_answer_is_told_in_words_not_a_stack_trace(member, devcloud):
    user, scientist = member
    devcloud.faults(hang=True)
    try:
        page = scientist.post_form("/instances/new", "/instances/new", choices())
    finally:
        devcloud.clear_faults()
    assert page.status_code == 200
    assert '<div class="notice error" role="alert" id="launch-error"><p>The cloud did not answer: ' \
           'try again in a few minutes.</p></div>' in page.text
    assert not Instance.objects.filter(owner=user).exists()


def test_the_picker_finds_what_the_user_may_read_by_words_or_proposal(member):
    user, scientist = member
    mine = make_experiment(title="Magnetic skyrmions under strain", members=[user])
    closed = make_experiment(title="Magnetic skyrmions, unreleased")
    found = scientist.get("/instances/new/search", params={"q": "skyrmions"}).text
    assert "Magnetic skyrmions under strain" in found and "unreleased" not in found
    assert "1 experiment you may analyse." in found and 'hx-swap-oob="true"' in found
    by_proposal = scientist.get("/instances/new/search", params={"q": mine.proposal_id, "listed": mine.pk}).text
    assert "Magnetic skyrmions under strain" in by_proposal and '<span class="added">Added</span>' in by_proposal
    assert "photoactive yellow" in scientist.get("/instances/new/search", params={"q": "photoactive", "access": "open"}).text
    assert "photoactive yellow" not in scientist.get("/instances/new/search", params={"q": "photoactive", "access": "mine"}).text

    picked = scientist.get(f"/instances/new/pick/{mine.pk}")
    assert f'name="experiment" value="{mine.pk}" checked' in picked.text
    assert scientist.get(f"/instances/new/pick/{closed.pk}").status_code == 404

    options = scientist.get("/instances/new/options", params={"experiment": mine.pk}).text
    assert "Your quota:" in options  # the member's quota, not the open-data one
    assert "Your open-data quota:" in scientist.get("/instances/new/options").text


def test_search_results_launch_through_the_wizard(member):
    _, scientist = member
    page = scientist.get("/search", params={"q": "photoactive yellow"}).text
    assert 'href="/instances/new?proposals=700000"' in page
    wizard = scientist.get("/instances/new?proposals=700000").text
    assert re.search(r'name="experiment" value="\d+" checked', wizard)


def test_open_data_that_needs_approval_offers_the_request_instead_of_launch(member):
    user, scientist = member
    Quota.objects.create(user=user, purpose=Purpose.OPEN_DATA, requires_approval=True)
    wizard = "/instances/new?proposals=700000"
    page = scientist.get(wizard).text
    assert "Launching on open data needs an operator's approval first." in page
    assert 'formaction="/quotas/approval"' in page and ">Launch<" not in page

    refused = scientist.post_form(wizard, "/instances/new", choices(experiment=re.search(
        r'name="experiment" value="(\d+)" checked', page)[1]))
    assert ("Launching on open data needs an operator's approval first: request it, and you will get an e-mail."
            in html.unescape(refused.text))
    asked = scientist.post_form(wizard, "/quotas/approval", {"reason": "My thesis", "back": wizard})
    assert asked.url.endswith(wizard) and "waiting for an operator" in asked.text


def test_an_experiment_id_of_5000_digits_names_none(member):
    _, scientist = member  # found by tests/test_fuzz_pages.py: int() refuses so many digits
    answer = scientist.post_form("/instances/new", "/instances/new", choices(experiment="9" * 5000))
    assert answer.status_code == 200
