"""The owner manages the people a desktop is shared with, through the real stack: add someone by
user name or e-mail, change their access, remove them, and remove and block them so that the link
they came with does not let them in again."""
from instances.models import Instance
from tests.support.rfbclient import non_blank
from tests.support.sharing import eventually, refused


def overview(owner, uuid):
    return owner.get(f"/instances/{uuid}/sharing").json()


def act(owner, uuid, action, data=None):
    return owner.post_form("/", f"/instances/{uuid}/{action}", data or {})


def test_the_owner_adds_people_by_user_name_or_e_mail_and_changes_their_access(owner, person, desktop):
    viewer, colleague = person(), person()
    added = act(owner, desktop, "members", {"who": viewer.username.upper(), "access": "view-only"})
    assert added.status_code == 201 and added.json()["role"] == "guest"
    assert act(owner, desktop, "members", {"who": f"{colleague.username}@VISA.test", "access": "interactive"}).ok
    members = overview(owner, desktop)["members"]
    assert [(m["username"], m["role"], m["via"]) for m in members] == [
        (viewer.username, "guest", None), (colleague.username, "user", None)]
    with viewer.open_desktop(desktop) as watching:
        assert non_blank(watching.framebuffer())
    assert desktop in viewer.get("/").text  # on their home page

    made_interactive = act(owner, desktop, f"members/{members[0]['id']}/access", {"access": "interactive"})
    assert made_interactive.ok and overview(owner, desktop)["members"][0]["role"] == "user"


def test_adding_nobody_known_or_oneself_says_what_to_do(owner, person, desktop):
    unknown = act(owner, desktop, "members", {"who": "nobody-here", "access": "view-only"})
    assert unknown.status_code == 400 and "Send them an invitation by e-mail instead" in unknown.json()["error"]
    oneself = act(owner, desktop, "members", {"who": owner.username, "access": "interactive"})
    assert oneself.status_code == 400 and "you always have access" in oneself.json()["error"]
    wrong = act(owner, desktop, "members", {"who": person().username, "access": "owner"})
    assert wrong.status_code == 400 and wrong.json()["error"] == "Choose view-only or interactive."
    assert overview(owner, desktop)["members"] == []


def test_remove_and_block_keeps_the_link_from_letting_them_in_again(owner, person, desktop):
    link = owner.share(desktop)
    viewer = person()
    viewer.join(link)
    member = overview(owner, desktop)["members"][0]
    assert member["via"] == "View-only link"
    with viewer.open_desktop(desktop) as watching:
        assert act(owner, desktop, f"members/{member['id']}/remove", {"block": "1"}).ok
        assert watching.closed_by_server(timeout=1)
        assert watching.close_reason == (4401, "The owner removed you from this desktop.")
    again = viewer.join(link)
    assert again.status_code == 410 and "The owner removed you from this desktop. Ask them to add you again." in again.text
    assert refused(viewer, desktop) == 403
    shown = overview(owner, desktop)
    assert shown["members"] == [] and [b["username"] for b in shown["blocked"]] == [viewer.username]

    assert act(owner, desktop, f"blocked/{shown['blocked'][0]['id']}/unblock").ok
    assert viewer.join(link).url.endswith(f"/instances/{desktop}/")


def test_removed_without_block_the_link_admits_them_again(owner, person, desktop):
    link = owner.share(desktop)
    viewer = person()
    viewer.join(link)
    assert act(owner, desktop, f"members/{overview(owner, desktop)['members'][0]['id']}/remove").ok
    assert eventually(lambda: overview(owner, desktop)["members"] == [])
    assert viewer.join(link).url.endswith(f"/instances/{desktop}/")


def test_an_owner_adding_a_blocked_person_unblocks_them(owner, person, desktop):
    viewer = person()
    act(owner, desktop, "members", {"who": viewer.username, "access": "view-only"})
    act(owner, desktop, f"members/{overview(owner, desktop)['members'][0]['id']}/remove", {"block": "1"})
    assert act(owner, desktop, "members", {"who": viewer.username, "access": "view-only"}).ok
    assert overview(owner, desktop)["blocked"] == []


def test_revoked_links_can_be_cleared_and_labels_carry_no_numbers(owner, desktop):
    owner.share(desktop)
    owner.share(desktop, access="interactive", label="beamline team")
    links = overview(owner, desktop)["links"]
    assert [link["label"] for link in links] == ["beamline team", "View-only link"]
    act(owner, desktop, f"links/{links[1]['id']}/revoke")
    page = owner.get(f"/instances/{desktop}/").text
    assert "Clear revoked links" in page and "0 uses" in page
    assert act(owner, desktop, "links/clear").ok
    assert [link["label"] for link in overview(owner, desktop)["links"]] == ["beamline team"]


def test_an_invitation_by_user_name_goes_to_their_address(stack, owner, person, desktop):
    invited = person()
    link = owner.share(desktop, email=invited.username)
    assert any(f"To: {invited.username}@visa.test" in mail and link in mail for mail in stack.mails())
    assert invited.join(link).url.endswith(f"/instances/{desktop}/")


def test_nobody_but_the_owner_manages_the_people(owner, person, desktop):
    viewer, other = person(), person()
    act(owner, desktop, "members", {"who": viewer.username, "access": "interactive"})
    member = overview(owner, desktop)["members"][0]
    for user in (viewer, other):
        assert act(user, desktop, "members", {"who": other.username, "access": "interactive"}).status_code == 404
        assert act(user, desktop, f"members/{member['id']}/remove", {"block": "1"}).status_code == 404
    assert Instance.objects.get(uuid=desktop).members.count() == 1
