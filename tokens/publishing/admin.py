"""Staff register the OIDC issuers users may trust, and see every publisher."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy

from .issuers import builtin_issuer_url
from .models import OIDCIssuer, TrustedPublisher


class OIDCIssuerForm(forms.ModelForm):
    class Meta:
        model = OIDCIssuer
        fields = ["name", "url", "description", "enabled"]

    def clean_url(self):
        url = self.cleaned_data["url"].strip().rstrip("/")
        builtin = {builtin_issuer_url(kind) for kind in (TrustedPublisher.Kind.GITHUB, TrustedPublisher.Kind.GITLAB)}
        if url in builtin:
            raise forms.ValidationError(gettext_lazy("This is already the GitHub or GitLab issuer of this index (settings)."))
        return url


@admin.register(OIDCIssuer)
class OIDCIssuerAdmin(admin.ModelAdmin):
    form = OIDCIssuerForm
    list_display = ("name", "url", "enabled", "created")
    list_filter = ("enabled",)
    search_fields = ("name", "url")


@admin.register(TrustedPublisher)
class TrustedPublisherAdmin(admin.ModelAdmin):
    list_display = ("project_name", "description", "pending", "registrant", "created")
    list_filter = ("kind", "pending")
    search_fields = ("project_name", "repository_owner", "repository_name", "subject", "registrant__username")
    list_select_related = ("registrant", "issuer")
    # Owners add and remove publishers on their pages (recorded there); staff only look and delete.
    readonly_fields = [f.name for f in TrustedPublisher._meta.fields] + ["identity"]
    exclude = ("minted_tokens",)

    def has_add_permission(self, request):
        return False
