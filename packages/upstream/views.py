"""An organisation's reserved names: the page its Owners keep them on."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy

from mfa.decorators import reauthentication_required, two_factor_required
from organizations.access import managed_organization
from organizations.models import NameReservation, OrganizationRole

from ..collaboration.access import managed_project
from ..errors import PackagesError
from . import reservations, tracking


class ReservationForm(forms.Form):
    pattern = forms.CharField(
        label=gettext_lazy("Name or prefix to reserve"),
        max_length=101,
        help_text=gettext_lazy(
            "A project name such as acme-tools, or a prefix ending in * such as acme-* (which also covers "
            "acme_tools and acme.tools). A reserved name is never fetched from the upstream index, and only "
            "this organisation can create it."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )


@two_factor_required
@reauthentication_required
@managed_organization(what=gettext_lazy("see its reserved names"))
def organization_reservations(request, organization, role):
    form = ReservationForm()
    status = 200
    if request.method == "POST" and role == OrganizationRole.Role.OWNER:
        try:
            if request.POST.get("action") == "remove":
                removed = reservations.reservation_remove(
                    request=request, actor=request.user, organization=organization,
                    reservation_id=int(request.POST.get("reservation") or 0),
                )
                messages.success(request, gettext("%(name)s is no longer reserved.") % {"name": str(removed)})
                return redirect("packages:organization-reservations", name=organization.name)
            form = ReservationForm(request.POST)
            if form.is_valid():
                made = reservations.reservation_create(
                    request=request, actor=request.user, organization=organization, pattern=form.cleaned_data["pattern"]
                )
                messages.success(request, gettext("%(name)s is reserved for the organisation.") % {"name": str(made)})
                return redirect("packages:organization-reservations", name=organization.name)
            status = 400
        except ValueError:
            messages.error(request, gettext("That request was incomplete; nothing was changed."))
            status = 400
        except PackagesError as error:
            if form.is_bound:
                form.add_error("pattern", error.message)
            else:
                messages.error(request, error.message)
            status = error.status
    context = {
        "organization": organization,
        "is_owner": role == OrganizationRole.Role.OWNER,
        "reservations": NameReservation.objects.filter(organization=organization),
        "form": form,
    }
    return render(request, "packages/organization_reservations.html", context, status=status)


@two_factor_required
@reauthentication_required
@managed_project(what=gettext_lazy("choose whether it tracks the upstream index"))
def project_upstream(request, project, role):
    """An Owner chooses whether the upstream's files of the same name are served beside the project's own."""
    if request.method == "POST":
        track = request.POST.get("track") == "on"
        try:
            tracking.project_tracking_set(request=request, actor=request.user, project=project, track=track)
        except PackagesError as error:
            messages.error(request, error.message)
        else:
            if track:
                message = gettext("The upstream's files of %(name)s are served beside yours.")
            else:
                message = gettext("Only your files of %(name)s are served.")
            messages.success(request, message % {"name": project.name})
            return redirect("packages:manage-upstream", name=project.normalized_name)
    return render(request, "packages/manage/upstream.html", {"project": project})
