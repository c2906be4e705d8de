"""The two pages every kind of invitation has: the mailed link's page and the signed-in answer.

Each app describes what differs (how a link is read, what accepting does and
says, its error class, template and pending-invitations page) and wraps the
views in its own decorators (two-factor is mfa's, which accounts cannot know).
"""

from dataclasses import dataclass
from typing import Callable

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext

ANSWERS = ("accept", "decline")


@dataclass(frozen=True)
class InvitationPages:
    from_link: Callable  # (token=, user=) -> the pending invitation, or raises `error`
    answer: Callable  # (request, invitation, "accept" | "decline") -> the response after answering
    own_invitation: Callable  # (user, invitation_id) -> the user's invitation or None
    error: type  # the app's error class; its `message` is shown
    template: str  # the page showing one invitation with Accept / Decline
    pending_url: str  # URL name of the page listing the user's pending invitations
    pending_page: str  # (lazily translated) how that page is called in a sentence

    def respond(self, request):
        """The mailed link: the invitation with Accept / Decline; any unusable link gets a clear page."""
        token = request.POST.get("token") or request.GET.get("token") or ""
        try:
            invitation = self.from_link(token=token, user=request.user)
            if request.method == "POST":
                answer = request.POST.get("answer")
                if answer in ANSWERS:
                    return self.answer(request, invitation, answer)
                messages.error(request, gettext("Choose Accept or Decline."))
        except self.error as error:
            response = render(
                request,
                "accounts/invitation_refused.html",
                {"reason": error.message, "pending_url": reverse(self.pending_url), "pending_page": self.pending_page},
                status=400,
            )
            response["Cache-Control"] = "no-store"
            return response
        return render(request, self.template, {"invitation": invitation, "token": token})

    def answer_signed_in(self, request, invitation_id):
        """Accept or decline from the pending-invitations page (signed in; no link needed)."""
        invitation = self.own_invitation(request.user, invitation_id)
        if invitation is None:
            raise Http404(gettext("No such invitation for you."))
        answer = request.POST.get("answer")
        try:
            if answer in ANSWERS:
                return self.answer(request, invitation, answer)
            messages.error(request, gettext("Choose Accept or Decline."))
        except self.error as error:
            messages.error(request, error.message)
        return redirect(self.pending_url)
