"""Open a second dataset in a desktop that runs: the DOI page offers it, visa attaches it, and the
VM's mount agent (devcloud's, over HTTP like a real VM's) mounts it within seconds."""
import html
import re
import time

from instances.models import Instance
from tests.support.a11y import assert_accessible
from tests.support.browser import open_page, sign_in
from tests.support.factories import make_experiment, make_user
from tests.support.web import WebUser


def server_of(devcloud, uuid):
    return next(s for s in devcloud.servers() if s["metadata"].get("visa_instance") == uuid)


def wait_for_mounts(devcloud, uuid, wanted, timeout=20):
    """The mount points the instance's server shows once they are `wanted`."""
    deadline = time.monotonic() + timeout
    while True:
        server = server_of(devcloud, uuid)
        points = {mount["point"] for mount in server["mounts"]}
        if points == wanted:
            return server
        if time.monotonic() > deadline:
            raise TimeoutError(f"the server mounts {points}, not {wanted}")
        time.sleep(0.2)


def test_open_a_second_dataset_in_the_desktop_that_runs(stack, devcloud, committed):
    person = make_user()
    scientist = WebUser(stack.url, person.username, "pw-for-tests")
    uuid, _ = scientist.launch_from_doi()
    scientist.wait_for_state(uuid, "ACTIVE")
    demo_point = "/data/700000"
    wait_for_mounts(devcloud, uuid, {demo_point})

    # a second experiment, the scientist's own, with files on dCache
    doi = f"10.99999/attach-{uuid[:8]}"
    second = make_experiment(members=[person], dois=[doi])
    data = devcloud.options["dcache_root"] / second.data_path.lstrip("/")
    (data / "r0001").mkdir(parents=True)
    (data / "README.txt").write_text("the second experiment")

    doi_page = f"/doi/{doi}"
    page = scientist.get(doi_page).text
    action = f"/instances/{uuid}/attach"
    offer = re.search(rf'action="{action}".*?<button>(.*?)</button>', page, re.S)
    assert offer and offer[1] == html.escape(f"Open it in {Instance.objects.get(uuid=uuid).name}")
    assert "Launch a new desktop" in page

    answer = scientist.post_form(doi_page, action, {"experiment": str(second.pk)})
    assert answer.url.endswith(f"/instances/{uuid}/")
    point = f"/data/{second.proposal_id}"
    assert f"The data will appear on this desktop under {point} within seconds." in answer.text
    assert second.data_path in answer.text  # in the instance's list of data

    server = wait_for_mounts(devcloud, uuid, {demo_point, point})
    assert f"{point}  (read-only)  from {second.data_path}" in server["notice"]
    assert "    README.txt" in server["notice"] and "    r0001/" in server["notice"]
    assert all(mount["read_only"] for mount in server["mounts"])

    # the DOI page now says the desktop has it, and offers it nowhere else
    page = scientist.get(doi_page).text
    assert 'id="running"' in page and action not in page

    # detaching from the instance page unmounts it again
    scientist.post_form(f"/instances/{uuid}/", f"/instances/{uuid}/detach", {"experiment": str(second.pk)})
    wait_for_mounts(devcloud, uuid, {demo_point})
    scientist.delete_instance(uuid)


def test_in_the_browser_open_it_there_leads_to_the_desktop_with_the_data(stack, browser, committed):
    person = make_user()
    scientist = WebUser(stack.url, person.username, "pw-for-tests")
    uuid, _ = scientist.launch_from_doi()
    second = make_experiment(members=[person], dois=[f"10.99999/attach-browser-{uuid[:8]}"])
    name = Instance.objects.get(uuid=uuid).name

    page = open_page(browser, stack.url)
    page.goto(f"/accounts/login/?next=/doi/10.99999/attach-browser-{uuid[:8]}")
    sign_in(page, person)
    offer = page.get_by_role("button", name=f"Open it in {name}")
    offer.wait_for()
    assert_accessible(page)
    offer.click()
    page.wait_for_url(f"**/instances/{uuid}/")
    page.get_by_text(f"The data will appear on this desktop under /data/{second.proposal_id} within seconds.").wait_for()
    page.get_by_role("button", name="Details").click()  # the data mounted is listed there
    assert page.locator("#mounts").get_by_text(second.data_path).is_visible()
    page.context.close()
    scientist.delete_instance(uuid, wait=False)
