"""The POSTed actions of a management page: one form per action, one way to run them.

A page names its actions once, `{"invite": (InviteForm, invite), ...}`; each
performer takes `(request, form, *what_the_page_is_about)`, does the change
through a service and returns the sentence that says it was done. Any app's
page uses it (accounts knows no other app: the page passes its error class).
"""

from django.contrib import messages
from django.utils.translation import gettext_lazy

INCOMPLETE = gettext_lazy("That request was incomplete; nothing was changed.")


def posted_action(request, actions, *args, error, refusal_status=None):
    """Run the action named by the POST's `action`, with its form bound to the POST.

    Returns `(status, form)`: status None when it was done (its sentence is a success message; the page
    redirects), else the status to answer with: 400 for an unknown action or an invalid form, the refusal's
    own `status` (or `refusal_status`) when the service refused with `error`, whose message is shown.
    `form` is the bound form (None for an unknown action), for the page to show again with its errors.
    """
    form_class, perform = actions.get(request.POST.get("action", ""), (None, None))
    form = form_class(request.POST) if form_class else None
    if form is None or not form.is_valid():
        messages.error(request, INCOMPLETE)
        return 400, form
    try:
        messages.success(request, perform(request, form, *args))
    except error as refusal:
        messages.error(request, refusal.message)
        return refusal_status or refusal.status, form
    return None, form
