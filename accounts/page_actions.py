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


def posted_form(request, actions, *args, error):
    """Run the action named by the POST's `action` on a page whose forms show their own errors (settings pages).

    `actions` maps an action to `(form, perform, field)`: `form(data)` binds the action's form, `perform(request,
    form, *args)` does the change, says so and returns the response (a redirect); a refusal with `error` goes on
    the form's `field`, or is an error message when `field` is None; an invalid form shows its own errors; an
    unknown action says the request was incomplete. Returns `(response, form)`: the response once it was done,
    else None and the bound form to show again (None for an unknown action).
    """
    entry = actions.get(request.POST.get("action", ""))
    if entry is None:
        messages.error(request, INCOMPLETE)
        return None, None
    bind, perform, field = entry
    form = bind(request.POST)
    if form.is_valid():
        try:
            return perform(request, form, *args), form
        except error as refusal:
            if field is None:
                messages.error(request, refusal.message)
            else:
                form.add_error(field, refusal.message)
    return None, form
