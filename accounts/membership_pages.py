"""The people page of every kind of membership: its forms and the actions its Owners POST.

An app names its kind (accounts.membership), its role choices, its error class
and the one sentence that differs (what removing someone ends), and gets the
forms and the actions (`posted_action`'s `{"invite": (form, performer), ...}`)
for its page; the page wraps them in its own decorators and template.
"""

from dataclasses import dataclass
from typing import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import redirect
from django.utils.translation import gettext, gettext_lazy

from .invitation_views import InvitationPages


class MemberForm(forms.Form):
    user = forms.IntegerField(widget=forms.HiddenInput)


class InvitationForm(forms.Form):
    invitation = forms.IntegerField(widget=forms.HiddenInput)


def membership_forms(*, choices, initial):
    """(InviteForm, RoleChangeForm) offering the roles `choices` ([(value, description)]), `initial` first."""

    class InviteForm(forms.Form):
        who = forms.CharField(
            label=gettext_lazy("Username or primary email address"),
            max_length=254,
            help_text=gettext_lazy("The person needs an account here with a verified email address."),
        )
        role = forms.ChoiceField(label=gettext_lazy("Their role"), choices=choices, initial=initial)

    class RoleChangeForm(MemberForm):
        role = forms.ChoiceField(label=gettext_lazy("New role"), choices=choices)

    return InviteForm, RoleChangeForm


@dataclass(frozen=True)
class MembershipPage:
    """What an Owner does on a kind's people page (invite, change a role, remove someone, revoke an invitation),
    and what an invitee does with an invitation (its pages: `invitation_pages`)."""

    kind: object  # the MembershipKind
    error: type  # the app's error class: its `message` is shown, its `status` answered
    invite_form: type
    role_change_form: type
    removed: str  # (lazily translated) said after removing `username` from the place (named as `name` and by kind)
    accepted: str  # (lazily translated) said after accepting: the place as `name`, the role as `role`
    invitation_template: str  # the page showing one invitation with Accept / Decline
    pending_url: str  # URL name of the page listing the user's pending invitations
    pending_page: str  # (lazily translated) how that page is called in a sentence
    after_accept: Callable = None  # (invitation) -> where accepting leads; the pending page if None

    @property
    def actions(self):
        return {
            "invite": (self.invite_form, self.invite),
            "change-role": (self.role_change_form, self.change),
            "remove": (MemberForm, self.remove),
            "revoke-invitation": (InvitationForm, self.revoke),
        }

    def _person(self, form):
        user = get_user_model().objects.filter(pk=form.cleaned_data["user"]).first()
        if user is None:
            raise self.error(gettext("That person does not exist (any more)."))
        return user

    def invite(self, request, form, place):
        role = form.cleaned_data["role"]
        invitation = self.kind.invite(
            request=request, actor=request.user, who=form.cleaned_data["who"], role=role, **{self.kind.place: place}
        )
        return gettext("Invitation sent to %(username)s as %(role)s. It is valid for 7 days.") % {
            "username": invitation.invitee.username,
            "role": self.kind.role_model.Role(role).label,
        }

    def change(self, request, form, place):
        user, role = self._person(form), form.cleaned_data["role"]
        self.kind.change(request=request, actor=request.user, user=user, role=role, **{self.kind.place: place})
        return gettext("%(username)s is now %(role)s of %(name)s.") % {
            "username": user.username,
            "role": self.kind.role_model.Role(role).label,
            "name": place.name,
        }

    def remove(self, request, form, place):
        user = self._person(form)
        self.kind.remove(request=request, actor=request.user, user=user, **{self.kind.place: place})
        return self.removed % {"username": user.username, "name": place.name, self.kind.place: place.name}

    def revoke(self, request, form, place):
        invitations = self.kind.invitations.model.objects.filter(**{self.kind.place: place})
        invitation = invitations.filter(pk=form.cleaned_data["invitation"]).first()
        if invitation is None:
            raise self.error(gettext("That invitation does not exist (any more)."))
        self.kind.revoke(request=request, actor=request.user, invitation=invitation)
        return gettext("The invitation of %(username)s was revoked; its link no longer works.") % {
            "username": invitation.invitee.username
        }

    # --- the invitee's side ---------------------------------------------------------

    def answer(self, request, invitation, answer):
        place = getattr(invitation, self.kind.place)
        if answer == "accept":
            self.kind.accept(request=request, user=request.user, invitation=invitation)
            messages.success(
                request, self.accepted % {"name": place.name, "role": self.kind.role_model.Role(invitation.role).label}
            )
            return redirect(self.after_accept(invitation) if self.after_accept else self.pending_url)
        self.kind.decline(request=request, user=request.user, invitation=invitation)
        messages.success(request, gettext("You declined the invitation to %(name)s.") % {"name": place.name})
        return redirect(self.pending_url)

    def invitation_pages(self):
        """The mailed link's page and the signed-in answer (accounts.invitation_views) for this kind."""
        model = self.kind.invitations.model
        return InvitationPages(
            from_link=self.kind.invitations.from_link,
            answer=self.answer,
            own_invitation=lambda user, pk: model.objects.filter(pk=pk, invitee=user).first(),
            error=self.error,
            template=self.invitation_template,
            pending_url=self.pending_url,
            pending_page=self.pending_page,
        )
