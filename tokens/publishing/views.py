"""``/manage/account/publishing/``: a user's pending publishers (for projects that do not exist yet).

Verified email, 2FA and a recent authentication, as for API tokens: a pending
publisher lets a workflow create a project in the user's name.
"""

from django.utils.translation import gettext
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ..views import token_pages
from . import selectors, services
from .errors import PublisherError
from .forms import publisher_forms
from .services import MAX_PENDING_PER_USER


@token_pages
@require_http_methods(["GET", "POST"])
def account_publishing(request):
    kind = request.POST.get("kind") if request.method == "POST" else None
    forms = publisher_forms(request.POST if kind else None, kind=kind, pending=True)
    status = 200
    if request.method == "POST":
        form = forms.get(kind)
        if form is not None and form.is_valid():
            fields = dict(form.cleaned_data)
            project_name = fields.pop("project_name")
            try:
                publisher = services.pending_publisher_add(
                    request=request, user=request.user, project_name=project_name, kind=kind, fields=fields
                )
            except PublisherError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    gettext(
                        "Pending publisher added: %(description)s. Its first upload creates '%(project_name)s' with you as Owner."
                    )
                    % {"description": publisher.description, "project_name": publisher.project_name},
                )
                if warning := selectors.owner_id_warning(publisher):
                    messages.warning(request, warning)
                return redirect("tokens:publishing")
        elif form is None:
            messages.error(request, gettext("That request was incomplete; nothing was changed."))
        status = 400
    pending = [(p, selectors.workflow_snippet(p)) for p in selectors.user_pending_publishers(request.user)]
    context = {"pending": pending, "forms": forms, "max_pending": MAX_PENDING_PER_USER}
    return render(request, "tokens/publishing/account.html", context, status=status)


@token_pages
@require_POST
def account_publishing_remove(request, publisher_id):
    publisher = selectors.user_pending_publisher(request.user, publisher_id)
    if publisher is None:
        raise Http404(gettext("No such pending publisher on your account."))
    try:
        services.pending_publisher_remove(request=request, user=request.user, publisher=publisher)
    except PublisherError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, gettext("Pending publisher removed: %(description)s.") % {"description": publisher.description}
        )
    return redirect("tokens:publishing")
