from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext, ngettext
from django.views.decorators.cache import never_cache

from . import services
from .account_invitations.forms import InviteForm
from .account_invitations.services import account_invitation_send
from .errors import AccountError
from .event_tags import declared_tags
from .models import AccountInvitation, Email, SecurityEvent, User


class EmailInline(admin.TabularInline):
    model = Email
    extra = 0
    fields = ("email", "primary", "verified", "verified_at", "created")
    readonly_fields = ("verified_at", "created")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "name", "is_active", "is_staff", "date_joined", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("username", "name", "emails__email")
    ordering = ("username",)
    inlines = [EmailInline]
    actions = ["freeze", "unfreeze"]
    change_list_template = "accounts/admin/user_change_list.html"
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("name",)}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "password1", "password2")}),)

    AUDITED_FIELDS = ("is_active", "is_staff", "is_superuser")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            changes = {f: form.cleaned_data[f] for f in self.AUDITED_FIELDS if f in form.changed_data}
            services.user_staff_change_record(request=request, user=obj, changes=changes)

    def save_formset(self, request, form, formset, change):
        """Email addresses edited inline: record additions, removals and flag changes."""
        super().save_formset(request, form, formset, change)
        if formset.model is not Email:
            return
        changes = [
            *({"email": e.email, "added": True, "verified": e.verified, "primary": e.primary} for e in formset.new_objects),
            *({"email": e.email, "removed": True} for e in formset.deleted_objects),
            *(
                {"email": e.email, **{f: getattr(e, f) for f in fields if f in ("email", "primary", "verified")}}
                for e, fields in formset.changed_objects
            ),
        ]
        services.user_staff_change_record(request=request, user=form.instance, changes={"emails": changes} if changes else {})

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, unquote(id))
            what = "password set" if user.has_usable_password() else "password login disabled"
            services.user_staff_change_record(request=request, user=user, changes={"credential": what})
        return response

    def get_urls(self):
        invite = path("invite/", self.admin_site.admin_view(never_cache(self.invite_view)), name="accounts_user_invite")
        return [invite, *super().get_urls()]

    def invite_view(self, request):
        """Invite a person by email: they get a single-use link to create their account (whatever REGISTRATION_OPEN says)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = InviteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                invitation = account_invitation_send(request=request, staff=request.user, email=form.cleaned_data["email"])
            except AccountError as error:
                form.add_error("email", str(error))
            else:
                self.message_user(
                    request,
                    gettext("Invitation sent to %(email)s; its link works once, for 7 days.") % {"email": invitation.email},
                    messages.SUCCESS,
                )
                return redirect("admin:accounts_user_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Invite a person by email"),
            "opts": self.model._meta,
            "form": form,
        }
        return render(request, "accounts/admin/invite.html", context, status=400 if form.errors else 200)

    def _set_frozen(self, request, queryset, frozen):
        changed = sum(services.user_freeze(request=request, user=user, frozen=frozen) for user in queryset)
        if frozen:
            message = ngettext("Froze %(count)d account.", "Froze %(count)d accounts.", changed)
        else:
            message = ngettext("Unfroze %(count)d account.", "Unfroze %(count)d accounts.", changed)
        self.message_user(request, message % {"count": changed})

    @admin.action(description="Freeze the selected accounts (end their sessions and tokens)", permissions=["change"])
    def freeze(self, request, queryset):
        self._set_frozen(request, queryset, True)

    @admin.action(description="Unfreeze the selected accounts", permissions=["change"])
    def unfreeze(self, request, queryset):
        self._set_frozen(request, queryset, False)


class EventTagFilter(admin.SimpleListFilter):
    """The history's tags in words (the column keeps no `choices`, so each app adds tags freely)."""

    title = "tag"
    parameter_name = "tag"

    def lookups(self, request, model_admin):
        return declared_tags()

    def queryset(self, request, queryset):
        return queryset.filter(tag=self.value()) if self.value() else queryset


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """The security history is evidence: staff can read it, never change it."""

    list_display = ("time", "tag", "user", "project_name", "ip_address")
    list_filter = (EventTagFilter,)
    search_fields = ("user__username", "project_name", "ip_address")
    date_hierarchy = "time"
    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccountInvitation)
class AccountInvitationAdmin(admin.ModelAdmin):
    """Invitations to create an account: sent from the users' list ("Invite a person by email"), read-only here."""

    list_display = ("email", "invited_by", "created", "expires", "accepted", "user")
    list_filter = (("accepted", admin.EmptyFieldListFilter),)
    search_fields = ("email", "invited_by__username", "user__username")
    readonly_fields = ("email", "invited_by", "created", "expires", "accepted", "user")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
