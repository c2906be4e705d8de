"""Staff's view of organisations: the approval queue (ORGANIZATIONS_REQUIRE_APPROVAL) and who belongs where.

Organisations are created and changed by their Owners; staff approve or
decline waiting ones here, through the service that records the event.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext

from . import services
from .errors import OrganizationError
from .models import Organization, OrganizationRole, Team


class OrganizationRoleInline(admin.TabularInline):
    model = OrganizationRole
    fields = ["user", "role", "is_public", "created"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class TeamInline(admin.TabularInline):
    model = Team
    fields = ["name", "created"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "display_name", "status", "created", "created_by", "require_security_key"]
    list_filter = ["status"]
    search_fields = ["name", "display_name"]
    fields = ["name", "display_name", "url", "description", "status", "require_security_key", "created", "created_by"]
    readonly_fields = fields
    inlines = [OrganizationRoleInline, TeamInline]
    actions = ["approve", "decline"]

    def has_add_permission(self, request):
        return False  # created by users with 2FA on /manage/organizations/

    def has_delete_permission(self, request, obj=None):
        return False

    def _review(self, request, queryset, approve):
        for organization in queryset:
            try:
                services.organization_review(
                    request=request, staff_user=request.user, organization=organization, approve=approve
                )
                done = gettext("%(organization)s: approved.") if approve else gettext("%(organization)s: declined.")
                self.message_user(request, done % {"organization": organization.name})
            except OrganizationError as error:
                self.message_user(request, error.message, level=messages.WARNING)

    @admin.action(description="Approve (the organisation can invite, own projects and hold tokens)")
    def approve(self, request, queryset):
        self._review(request, queryset, True)

    @admin.action(description="Decline")
    def decline(self, request, queryset):
        self._review(request, queryset, False)
