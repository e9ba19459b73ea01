"""Buttons on a Django admin change page that act on that one object (Accept, Stop, ...), beside
the changelist's actions. Each is a POST with Django's CSRF check, and needs the change permission;
one with `confirm` first shows a page asking to confirm (no script: the CSP allows none inline).
A ModelAdmin lists its `buttons`, says which it offers for an object and carries them out in
`press`, which returns what was done (shown as a message and kept in the admin log) or raises
`Refused` with why not and what to do next."""
from dataclasses import dataclass

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse


@dataclass(frozen=True)
class Button:
    name: str
    label: str
    confirm: str = ""  # the question asked on a page of its own before it acts
    danger: bool = False


class Refused(Exception):
    """The button may not act on this object now; the message says why and what to do next."""


class ButtonsMixin:
    change_form_template = "admin/change_form_buttons.html"
    buttons: tuple[Button, ...] = ()
    buttons_heading = "Actions"

    def offers(self, obj, button) -> bool:
        """Whether the object's change page shows the button now."""
        return True

    def press(self, request, obj, button) -> str:
        raise NotImplementedError

    def _button_url_name(self):
        return f"{self.opts.app_label}_{self.opts.model_name}_press"

    def get_urls(self):
        view = self.admin_site.admin_view(self.button_view)
        return [path("<path:object_id>/press/<slug:name>/", view, name=self._button_url_name()), *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and self.has_change_permission(request, obj):
            url = f"admin:{self._button_url_name()}"
            offered = [{"button": button, "url": reverse(url, args=[object_id, button.name])}
                       for button in self.buttons if self.offers(obj, button)]
            extra_context = {"object_buttons": offered, "buttons_heading": self.buttons_heading,
                             **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra_context)

    def button_view(self, request, object_id, name):
        button = next((button for button in self.buttons if button.name == name), None)
        obj = self.get_object(request, unquote(object_id))
        if button is None or obj is None:
            raise Http404(f"No {self.opts.verbose_name} {object_id} with a button “{name}”.")
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        change_page = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[object_id])
        if request.method != "POST" and not button.confirm:
            return redirect(change_page)
        if button.confirm and request.POST.get("confirmed") != "yes":
            return TemplateResponse(request, "admin/confirm_button.html", {
                **self.admin_site.each_context(request), "opts": self.opts, "object": obj, "button": button,
                "title": button.confirm, "change_page": change_page,
            })
        try:
            done = self.press(request, obj, button)
        except Refused as refusal:
            self.message_user(request, str(refusal), messages.WARNING)
        else:
            self.log_change(request, obj, done)
            self.message_user(request, done, messages.SUCCESS)
        return redirect(change_page)


class DecisionAdmin(ButtonsMixin):
    """Users' requests that an operator accepts or refuses once: by the buttons on a request's page
    or by the actions on the list. A kind of request says how to `decide` one (False when it was
    decided before), whether it is `pending`, and what was `decided`, in words."""
    actions = ["accept", "refuse"]
    buttons = (Button("accept", "Accept"), Button("refuse", "Refuse"))
    buttons_heading = "Decide"

    def decide(self, obj, operator, accept) -> bool:
        raise NotImplementedError

    def pending(self, obj) -> bool:
        raise NotImplementedError

    def decided(self, accept, objs) -> str:
        raise NotImplementedError

    def decided_before(self, obj) -> str:
        raise NotImplementedError

    def has_add_permission(self, request):
        return False  # users ask from visa's pages

    def offers(self, obj, button):
        return self.pending(obj)

    def press(self, request, obj, button):
        accept = button.name == "accept"
        if not self.decide(obj, request.user, accept):
            obj.refresh_from_db()
            raise Refused(f"This request was decided before ({self.decided_before(obj)}); nothing was changed.")
        return self.decided(accept, [obj])

    def _decide(self, request, queryset, accept):
        decided = [obj for obj in queryset if self.decide(obj, request.user, accept)]
        for obj in decided:
            self.log_change(request, obj, "Accepted." if accept else "Refused.")
        if decided:
            self.message_user(request, self.decided(accept, decided), messages.SUCCESS)
        if len(decided) < len(queryset):
            self.message_user(request, f"{len(queryset) - len(decided)} of the selected requests had already been "
                                       "decided: left unchanged.", messages.WARNING)

    @admin.action(description="Accept the selected requests (the users are told)", permissions=["change"])
    def accept(self, request, queryset):
        self._decide(request, queryset, True)

    @admin.action(description="Refuse the selected requests (the users are told)", permissions=["change"])
    def refuse(self, request, queryset):
        self._decide(request, queryset, False)
