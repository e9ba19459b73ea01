"""Share links through the real stack, as people use them over HTTP and through the WebSocket proxy
to devcloud's VNC server (which counts the input messages that reach it): view-only and
interactive access, bad, used-up and expired tokens, invitations, sign-in and open-data guests,
and data a collaborator may not read."""
import time

from tests.support.factories import make_experiment
from tests.support.rfbclient import non_blank
from tests.support.sharing import inputs, refused, send_all_input
from tests.support.stack import end
from tests.support.web import WebUser


def test_a_view_only_link_shows_the_desktop_and_no_input_reaches_the_vm(owner, person, desktop, devcloud):
    link = owner.share(desktop, label="beamline team")
    viewer = person()
    assert "beamline team" not in viewer.get(link.removeprefix(viewer.base_url)).text  # no label leaks
    page = viewer.join(link)
    assert page.url.endswith(f"/instances/{desktop}/") and "You watch this desktop" in page.text

    before = inputs(devcloud, desktop)
    with viewer.open_desktop(desktop) as watching:
        send_all_input(watching)
        assert non_blank(watching.framebuffer())  # the control messages around the input got through
    assert inputs(devcloud, desktop) == before

    interactive = person()
    interactive.join(owner.share(desktop, access="interactive"))
    with interactive.open_desktop(desktop) as working:
        working.key(0x61)
        working.pointer(5, 5)
        working.framebuffer()
    after = inputs(devcloud, desktop)
    assert (after["key"] - before["key"], after["pointer"] - before["pointer"]) == (1, 1)


def test_bad_tokens_get_a_clear_page_and_the_api_a_clear_error(owner, person, desktop):
    viewer = person()
    unknown = viewer.get("/join/not-a-token")
    assert unknown.status_code == 410 and "This link is not valid" in unknown.text

    used_up = owner.share(desktop, max_uses="1")
    viewer.join(used_up)
    late = person()
    page = late.get(used_up.removeprefix(late.base_url))
    assert page.status_code == 410 and "used as often as its owner allowed" in page.text
    answer = late.http.post(used_up, headers={"Accept": "application/json", "X-CSRFToken": late.http.cookies["csrftoken"]})
    assert (answer.status_code, answer.json()) == (410, {"error": "This link has been used as often as its owner allowed."})

    expiring = owner.share(desktop, hours="0.0003")  # about one second
    time.sleep(1.2)
    assert "This link has expired." in late.get(expiring.removeprefix(late.base_url)).text

    bad = owner.post_form(f"/instances/{desktop}/", f"/instances/{desktop}/links", {"access": "root"})
    assert (bad.status_code, bad.json()) == (400, {"error": "Choose view-only or interactive."})


def test_a_token_for_one_instance_never_opens_another(owner, person, desktop, launch):
    other_owner = person()
    other = launch(other_owner)
    viewer = person()
    viewer.join(owner.share(desktop))
    with other_owner.open_desktop(other):
        assert refused(viewer, other) == 403
        assert viewer.get(f"/instances/{other}/").status_code == 404
        with viewer.open_desktop(desktop) as watching:
            assert non_blank(watching.framebuffer())


def test_an_invitation_is_e_mailed_and_is_for_one_named_person_once(stack, owner, person, desktop):
    invited, stranger = person(), person()
    link = owner.share(desktop, email=f"{invited.username}@visa.test")
    mail = next(m for m in stack.mails() if f"To: {invited.username}@visa.test" in m)
    assert "invites you to watch the desktop" in mail and link in mail
    refusal = stranger.join(link)
    assert refusal.status_code == 410 and "This invitation is for someone else." in refusal.text
    assert invited.join(link).url.endswith(f"/instances/{desktop}/")
    assert "used as often" in stranger.get(link.removeprefix(stranger.base_url)).text


def test_the_join_page_asks_to_sign_in_and_guests_need_the_operator_setting(owner, desktop, stack):
    link = owner.share(desktop)
    anonymous = WebUser(stack.url)
    answer = anonymous.join(link)
    assert "/accounts/login/" in answer.url  # off by default: sign in first
    assert refused(anonymous, desktop, cookie=anonymous.cookie_header) == 403


def test_where_the_operator_allows_it_a_guest_without_account_watches_open_data(stack, owner, desktop, devcloud):
    guests_url, guests_web = stack.start_web("web-guests", VISA_OPEN_DATA_GUESTS="1")
    try:
        anonymous = WebUser(guests_url)
        path = owner.share(desktop).removeprefix(owner.base_url)
        page = anonymous.post_form(path, path, {})
        assert page.url.endswith(f"/instances/{desktop}/") and "You watch this desktop" in page.text
        before = inputs(devcloud, desktop)
        with anonymous.open_desktop(desktop, server=guests_url) as watching:
            send_all_input(watching)
            assert non_blank(watching.framebuffer())
            assert inputs(devcloud, desktop) == before
            guest = next(c for c in owner.get(f"/instances/{desktop}/sharing").json()["connected"] if c["role"] == "guest")
            assert guest["name"] == "Guest"
            owner.post_form(f"/instances/{desktop}/", f"/instances/{desktop}/sessions/{guest['id']}/kick", {})
            assert watching.closed_by_server(timeout=1)
        assert refused(anonymous, desktop, server=guests_url) == 403  # the kick ended the guest's access

        interactive = owner.share(desktop, access="interactive").removeprefix(owner.base_url)
        assert "/accounts/login/" in WebUser(guests_url).post_form(interactive, interactive, {}).url
    finally:
        end(guests_web)


def test_a_collaborator_who_may_not_read_the_data_is_refused(person):
    from django.contrib.auth import get_user_model

    owner, stranger = person(), person()
    member = get_user_model().objects.get(username=owner.username)
    experiment = make_experiment(members=[member], dois=["10.5555/sharing-closed"])
    uuid, _ = owner.launch_from_doi("/doi/10.5555/sharing-closed")
    owner.wait_for_state(uuid, "ACTIVE")
    try:
        with owner.open_desktop(uuid):
            refusal = stranger.join(owner.share(uuid))
            assert refusal.status_code == 410
            assert f"This desktop shows data you may not read (proposal {experiment.proposal_id})" in refusal.text
            assert refused(stranger, uuid) == 403
    finally:
        owner.delete_instance(uuid)


def test_opening_an_invitation_uses_nothing_only_joining_does(owner, person, desktop):
    """Link previews (mail scanners, chat apps) open the link: only pressing Join uses it."""
    invited = person()
    link = owner.share(desktop, email=f"{invited.username}@visa.test")
    for _ in range(3):
        assert invited.get(link.removeprefix(invited.base_url)).status_code == 200
    (shown,) = owner.get(f"/instances/{desktop}/sharing").json()["links"]
    assert (shown["uses"], shown["problem"]) == (0, "")
    assert invited.join(link).url.endswith(f"/instances/{desktop}/")


def test_nobody_else_acts_on_a_desktop_or_its_sharing(owner, person, desktop):
    stranger = person()
    form = {"days": "1", "reason": "mine now", "access": "view-only"}
    actions = ["stop", "reboot", "delete", "extend", "links", "lock", "request-access"]
    answers = {action: stranger.post_form("/instances/new", f"/instances/{desktop}/{action}", form).status_code
               for action in actions}
    assert answers == {action: 404 for action in actions}
    assert owner.get(f"/instances/{desktop}/status").json()["state"] == "ACTIVE"
