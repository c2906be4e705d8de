"""The organisation's API tokens page under /manage/organization/<name>/tokens/.

For the organisation's Owners and Managers, with 2FA and a recent
authentication, like personal tokens; a new secret is shown once, through the
same display slot as personal tokens (tokens.display).
"""

from functools import partial

from django import forms
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django.utils.translation import gettext, gettext_lazy

from mfa.decorators import reauthentication_required, two_factor_required
from organizations.access import MANAGERS, managed_organization

from . import organization as organization_tokens
from . import scopes
from .forms import TokenCreateForm
from .models import APIToken
from .views import token_confirmed, token_created


class OrganizationTokenForm(TokenCreateForm):
    """The personal token form, scoped to the organisation's projects instead of the user's."""

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, user=None, **kwargs)
        self.own_projects = scopes.organization_project_names(organization)
        self.fields["scope"].choices = [
            ("account", "All projects of the organisation, present and future"),
            ("projects", "Only the projects chosen below"),
        ]
        self.fields["projects"].label = gettext_lazy("The organisation's projects")
        self.fields["projects"].choices = [(name, name) for name in self.own_projects]
        self.fields["projects"].help_text = "" if self.own_projects else "The organisation has no projects yet."
        self.fields["name"].help_text = gettext_lazy("What the token is for. Unique among the organisation's tokens.")
        self.fields["new_projects"].help_text = (
            "Projects that do not exist yet, separated by commas or spaces. "
            "The token may create them, owned by the organisation, on its first upload."
        )


    def clean_new_projects(self):
        try:
            return super().clean_new_projects()
        except forms.ValidationError as error:
            raise forms.ValidationError(
                str(error.messages[0]).replace("you have no role on them", "do not belong to the organisation")
            ) from None


def organization_token_pages(view):
    return two_factor_required(
        reauthentication_required(
            managed_organization(what=gettext_lazy("manage its API tokens"), roles=MANAGERS)(never_cache(view))
        )
    )


def _back(organization):
    return reverse("tokens:organization", kwargs={"name": organization.name})


def _token(organization, identifier):
    token = APIToken.objects.filter(organization=organization, identifier=identifier, revoked__isnull=True).first()
    if token is None:
        raise Http404(gettext("No such token in this organisation."))
    return token


@organization_token_pages
@require_http_methods(["GET", "POST"])
def organization_token_list(request, organization, role):
    form = OrganizationTokenForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        create = partial(organization_tokens.organization_token_create, request=request, actor=request.user, organization=organization)
        if response := token_created(request, form, create):
            return response
    tokens = APIToken.objects.filter(organization=organization, revoked__isnull=True).select_related("created_by")
    context = {"organization": organization, "form": form, "tokens": tokens}
    return render(request, "tokens/organization.html", context, status=400 if form.errors else 200)


@organization_token_pages
@require_http_methods(["GET", "POST"])
def organization_token_revoke(request, organization, role, identifier):
    back = _back(organization)
    return token_confirmed(request, _token(organization, identifier), action="revoke", back=back, context={"back_url": back})


@organization_token_pages
@require_http_methods(["GET", "POST"])
def organization_token_rotate(request, organization, role, identifier):
    back = _back(organization)
    return token_confirmed(request, _token(organization, identifier), action="rotate", back=back, context={"back_url": back})
