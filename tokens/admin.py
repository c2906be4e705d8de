"""Staff view of API tokens: metadata only (the digest is never shown), revoke, and find by pasted token."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.utils.translation import gettext, gettext_lazy, ngettext

from . import selectors, services
from .models import APIToken


class TokenLookupForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Token string"),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=gettext_lazy("Paste a token to find its owner and scope. It is only digested and compared, never stored or logged."),
    )


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", "Not revoked"), ("revoked", "Revoked")]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(revoked__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked__isnull=False)
        return queryset


class PermissionFilter(admin.SimpleListFilter):
    title = gettext_lazy("what the token may do")
    parameter_name = "may"

    def lookups(self, request, model_admin):
        return [
            ("read", gettext_lazy("Read (install)")),
            ("upload", gettext_lazy("Upload")),
            ("read-only", gettext_lazy("Read (install) only")),
            ("upload-only", gettext_lazy("Upload only")),
        ]

    def queryset(self, request, queryset):
        return {
            "read": lambda: queryset.filter(can_read=True),
            "upload": lambda: queryset.filter(can_upload=True),
            "read-only": lambda: queryset.filter(can_read=True, can_upload=False),
            "upload-only": lambda: queryset.filter(can_read=False, can_upload=True),
        }.get(self.value(), lambda: queryset)()


@admin.register(APIToken)
class APITokenAdmin(admin.ModelAdmin):
    list_display = (
        "name", "owner", "identifier", "scope_display", "permissions_display", "created", "last_used", "expires",
        "revoked",
    )
    list_filter = (StateFilter, PermissionFilter, "account_wide", "revoked_reason")
    search_fields = ("identifier", "name", "owner__username")
    list_select_related = ("owner",)
    date_hierarchy = "created"
    # Every field but the digest; none can be edited (tokens are made and changed by their owners' services).
    fields = (
        "owner", "organization", "name", "identifier", "account_wide", "projects", "can_read", "can_upload",
        "created", "expires",
        "last_used", "last_used_ip", "revoked", "revoked_reason",
    )
    readonly_fields = fields
    actions = ["revoke_tokens"]
    change_list_template = "tokens/admin/change_list.html"

    @admin.display(description=gettext_lazy("May"))
    def permissions_display(self, token):
        return token.permissions_display

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the record stays for the security history

    @admin.action(description="Revoke selected tokens", permissions=["change"])
    def revoke_tokens(self, request, queryset):
        count = sum(
            services.token_revoke(request=request, token=token, reason=APIToken.RevokeReason.STAFF)
            for token in queryset
        )
        message = ngettext(
            "%(count)d token revoked; its owner was emailed.",
            "%(count)d tokens revoked; their owners were emailed.",
            count,
        )
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    def get_urls(self):
        lookup = path(
            "lookup/", self.admin_site.admin_view(never_cache(self.lookup_view)), name="tokens_apitoken_lookup"
        )
        return [lookup, *super().get_urls()]

    def lookup_view(self, request):
        """Find a token by its full string, by POST so that it never lands in a URL or an access log."""
        if not self.has_view_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        form = TokenLookupForm(request.POST or None)
        found = None
        searched = False
        if request.method == "POST" and form.is_valid():
            searched = True
            found = selectors.token_find(form.cleaned_data["token"])
        form = TokenLookupForm()  # never echo the pasted token back
        context = {
            **self.admin_site.each_context(request),
            "title": "Find a token by its string",
            "opts": self.model._meta,
            "form": form,
            "found": found,
            "searched": searched,
            "found_url": reverse("admin:tokens_apitoken_change", args=[found.pk]) if found else None,
        }
        response = render(request, "tokens/admin/lookup.html", context)
        response["Cache-Control"] = "no-store"
        return response


from .publishing import admin as publishing_admin  # noqa: E402, F401
