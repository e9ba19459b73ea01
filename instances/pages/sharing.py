"""Pages and JSON endpoints for sharing a desktop. The owner's page calls the JSON endpoints with
fetch, so managing links and people never reloads (and so never drops) the owner's own desktop;
what they change reaches the page as its live fragment (`panel`), announced by `instances.sharing`."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from instances.models import AccessRequest, BlockedUser, DesktopSession, Instance, InstanceMember, Role, ShareToken
from instances.sharing import access, links, members, requests, sessions
from visa.params import text


def _owned(request, uuid):
    return get_object_or_404(Instance, uuid=uuid, owner=request.user)


def _error(message, status=400):
    return JsonResponse({"error": message}, status=status)


def _link_json(token):
    return {
        "id": token.pk, "label": str(token), "access": token.access,
        "email": token.email, "uses": token.uses, "max_uses": token.max_uses,
        "expires_at": token.expires_at and token.expires_at.isoformat(),
        "problem": token.problem(),
    }


def panel(instance):
    """Who is connected now, the people with access, the blocked, the links, pending support
    requests: what the owner's share panel shows."""
    return {
        "connected": sessions.connected(instance),
        "members": list(instance.members.select_related("user", "token").order_by("created_at")),
        "blocked": list(instance.blocked.select_related("user").order_by("created_at")),
        "links": list(instance.share_tokens.all()),
        "any_revoked": instance.share_tokens.exclude(revoked_at=None).exists(),
        "requests": list(instance.access_requests.filter(answer="").select_related("user")),
    }


@login_required
def overview(request, uuid):
    instance = _owned(request, uuid)
    shown = panel(instance)
    return JsonResponse({
        "room_locked": instance.room_locked,
        "connected": [{"id": s.pk, "name": s.name, "role": s.role, "channel": s.channel,
                       "since": s.started_at.isoformat()}
                      for s in shown["connected"]],
        "members": [{"id": m.pk, "name": members.name_of(m.user), "username": m.user.username, "role": m.role,
                     "via": m.token and str(m.token)} for m in shown["members"]],
        "blocked": [{"id": b.pk, "name": members.name_of(b.user), "username": b.user.username}
                    for b in shown["blocked"]],
        "links": [_link_json(t) for t in shown["links"]],
        "requests": [{"id": r.pk, "name": r.user.get_full_name() or r.user.username, "since": r.created_at.isoformat()}
                     for r in shown["requests"]],
    })


@login_required
@require_POST
def create_link(request, uuid):
    """A new share link, or with an e-mail a one-time invitation. Its URL is in this answer only."""
    instance = _owned(request, uuid)
    form = request.POST
    try:
        hours = float(form.get("hours") or 24)
        max_uses = int(form["max_uses"]) if form.get("max_uses") else None
    except ValueError:
        return _error("Expiry and maximum uses must be numbers.")
    if "\x00" in form.get("label", "") + form.get("email", ""):  # PostgreSQL refuses NUL characters
        return _error("The label and the e-mail address may not contain NUL characters.")
    try:
        token, secret = links.create_link(instance, request.user, form.get("access"), hours, max_uses,
                                          email=form.get("email", ""), label=form.get("label", ""))
    except links.InvalidLink as error:
        return _error(str(error))
    url = request.build_absolute_uri(reverse("join", args=[secret]))
    emailed = links.email_invitation(token, url) if token.email else False
    return JsonResponse({"url": url, "link": _link_json(token), "emailed": emailed}, status=201)


@login_required
@require_POST
def revoke_link(request, uuid, pk):
    links.revoke(get_object_or_404(ShareToken, pk=pk, instance=_owned(request, uuid)))
    return JsonResponse({"revoked": pk})


@login_required
@require_POST
def clear_links(request, uuid):
    links.clear_revoked(_owned(request, uuid))
    return JsonResponse({"cleared": True})


@login_required
@require_POST
def add_member(request, uuid):
    try:
        who = text(request.POST.get("who", ""), "who")
        member = members.add(_owned(request, uuid), who, request.POST.get("access"))
    except members.MemberError as error:
        return _error(str(error))
    return JsonResponse({"added": member.pk, "name": members.name_of(member.user), "role": member.role}, status=201)


def _member(request, uuid, pk):
    return get_object_or_404(InstanceMember.objects.select_related("user"), pk=pk, instance=_owned(request, uuid))


@login_required
@require_POST
def member_access(request, uuid, pk):
    member = _member(request, uuid, pk)
    try:
        members.set_access(member, request.POST.get("access"))
    except members.MemberError as error:
        return _error(str(error))
    return JsonResponse({"member": pk, "role": member.role})


@login_required
@require_POST
def remove_member(request, uuid, pk):
    members.remove(_member(request, uuid, pk), block=request.POST.get("block") == "1")
    return JsonResponse({"removed": pk})


@login_required
@require_POST
def unblock(request, uuid, pk):
    members.unblock(get_object_or_404(BlockedUser, pk=pk, instance=_owned(request, uuid)))
    return JsonResponse({"unblocked": pk})


@login_required
@require_POST
def kick(request, uuid, pk):
    session = get_object_or_404(DesktopSession, pk=pk, instance=_owned(request, uuid), ended_at=None)
    if session.role == Role.OWNER:
        return _error("You cannot disconnect yourself here.")
    access.kick(session)
    return JsonResponse({"kicked": pk})


@login_required
@require_POST
def lock(request, uuid):
    instance = _owned(request, uuid)
    sessions.set_room_lock(instance, request.POST.get("locked") == "1")
    return JsonResponse({"room_locked": instance.room_locked})


@login_required
@require_POST
def answer_request(request, uuid, pk):
    access_request = get_object_or_404(AccessRequest, pk=pk, instance=_owned(request, uuid), answer="")
    answer = request.POST.get("answer")
    if answer not in AccessRequest.Answer.values:
        return _error("Answer guest, support or refused.")
    requests.answer_request(access_request, answer)
    return JsonResponse({"answered": pk, "answer": answer})


@login_required
@require_POST
def request_access(request, uuid):
    instance = get_object_or_404(Instance, uuid=uuid)
    try:
        requests.request_access(instance, request.user)
        messages.success(request, "The owner has been asked; this page opens the desktop once they admit you.")
    except access.Refused as refusal:
        messages.error(request, str(refusal))
    return redirect("instance", uuid=uuid)


def join(request, secret):
    """GET shows what the link is for; POST joins (so link previews cannot use up an invitation)."""
    token = links.find_token(secret)
    if request.method != "POST":
        problem = "This link is not valid. Check that you copied all of it." if token is None else token.problem()
        return render(request, "instances/join.html", {"token": token, "problem": problem},
                      status=410 if problem else 200)
    try:
        instance = links.join(secret, request)
    except access.SignInRequired:
        return redirect_to_login(request.get_full_path())
    except access.Refused as refusal:
        if "application/json" in request.headers.get("Accept", ""):
            return _error(str(refusal), status=410)
        return render(request, "instances/join.html", {"token": token, "problem": str(refusal)}, status=410)
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"instance": str(instance.uuid), "url": reverse("instance", args=[instance.uuid])})
    return redirect("instance", uuid=instance.uuid)
