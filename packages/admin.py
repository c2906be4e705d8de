"""Staff moderation of packages. Every change goes through packages.services, so it is journaled and recorded."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy

from organizations.models import NameReservation

from . import services
from .errors import PackagesError
from .visibility.services import project_visibility_set
from .models import (
    FileProvenance,
    DeprecationNotice,
    File,
    FilenameRegistry,
    JournalEntry,
    ProhibitedProjectName,
    Project,
    ProjectRole,
    Release,
    RoleInvitation,
    UpstreamBlock,
    UpstreamProject,
)
from .upstream import blocks as upstream_blocks


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ProjectRoleInline(admin.TabularInline):
    model = ProjectRole
    extra = 0
    readonly_fields = ["user", "role", "created"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class RoleInvitationInline(admin.TabularInline):
    """Invitations are the Owners' business; staff see them to answer questions, and change nothing."""

    model = RoleInvitation
    fk_name = "project"
    extra = 0
    fields = readonly_fields = ["invitee", "inviter", "role", "status", "created", "expires", "responded"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "private", "created", "total_size", "upload_limit", "total_size_limit",
                    "last_serial"]
    list_filter = ["status", "private"]
    search_fields = ["name", "normalized_name"]
    fields = ["name", "normalized_name", "status", "private", "created", "total_size", "last_serial", "upload_limit",
              "total_size_limit", "provenance_required"]
    # The provenance policy is the Owners' (settings page: recorded and mailed); staff see it here.
    readonly_fields = ["name", "normalized_name", "status", "created", "total_size", "last_serial", "provenance_required"]
    inlines = [ProjectRoleInline, RoleInvitationInline]
    actions = ["quarantine", "release_from_quarantine"]

    def has_add_permission(self, request):
        return False  # projects are created by their first upload

    def save_model(self, request, obj, form, change):
        # Each change goes through its service (locked, recorded); the form's object itself is never saved.
        if "private" in form.changed_data:
            try:
                project_visibility_set(request=request, actor=request.user, project=obj, private=obj.private, staff=True)
            except PackagesError as error:
                self.message_user(request, error.message, level=messages.WARNING)
        if {"upload_limit", "total_size_limit"} & set(form.changed_data):
            services.project_limits_set(
                request=request,
                user=request.user,
                project=obj,
                upload_limit=obj.upload_limit,
                total_size_limit=obj.total_size_limit,
            )

    def delete_model(self, request, obj):
        services.project_remove(request=request, user=request.user, project=obj, staff=True)

    def delete_queryset(self, request, queryset):
        for project in queryset:
            self.delete_model(request, project)

    def _each(self, request, queryset, service, done):
        for project in queryset:
            try:
                service(request=request, user=request.user, project=project)
                self.message_user(request, done % {"project": project.name})
            except PackagesError as error:
                self.message_user(request, error.message, level=messages.WARNING)

    @admin.action(description="Quarantine (hide from the index, refuse uploads)")
    def quarantine(self, request, queryset):
        self._each(request, queryset, services.project_quarantine_enter, gettext_lazy("%(project)s: quarantined."))

    @admin.action(description="Release from quarantine")
    def release_from_quarantine(self, request, queryset):
        self._each(
            request, queryset, services.project_quarantine_exit, gettext_lazy("%(project)s: released from quarantine.")
        )


@admin.register(Release)
class ReleaseAdmin(ReadOnlyAdmin):
    list_display = ["project", "version", "yanked", "created", "uploader"]
    list_filter = ["yanked"]
    search_fields = ["project__normalized_name", "version"]
    exclude = ["metadata", "description_html"]

    def delete_model(self, request, obj):
        services.release_remove(request=request, user=request.user, release=obj, staff=True)

    def delete_queryset(self, request, queryset):
        for release in queryset:
            self.delete_model(request, release)


@admin.register(File)
class FileAdmin(ReadOnlyAdmin):
    list_display = ["filename", "packagetype", "size", "upload_time", "uploaded_by", "token_identifier"]
    list_filter = ["packagetype"]
    search_fields = ["filename", "sha256_digest", "blake2_256_digest"]

    def delete_model(self, request, obj):
        services.file_remove(request=request, user=request.user, file=obj, staff=True)

    def delete_queryset(self, request, queryset):
        for file in queryset:
            self.delete_model(request, file)


@admin.register(FileProvenance)
class FileProvenanceAdmin(ReadOnlyAdmin):
    list_display = ["file", "kind", "repository", "workflow", "environment", "commit", "created"]
    list_filter = ["kind"]
    search_fields = ["file__filename", "repository", "commit"]

    def has_delete_permission(self, request, obj=None):
        return False  # removed with its file


@admin.register(ProhibitedProjectName)
class ProhibitedProjectNameAdmin(admin.ModelAdmin):
    list_display = ["name", "prohibited_by", "created"]
    search_fields = ["name"]
    fields = ["name", "comment"]

    def save_model(self, request, obj, form, change):
        services.prohibited_name_save(request=request, user=request.user, prohibition=obj, changed=change)

    def delete_model(self, request, obj):
        services.prohibited_name_remove(request=request, user=request.user, prohibition=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "project_name", "action", "time", "user"]
    search_fields = ["project_name"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FilenameRegistry)
class FilenameRegistryAdmin(ReadOnlyAdmin):
    list_display = ["filename", "created"]
    search_fields = ["filename"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DeprecationNotice)
class DeprecationNoticeAdmin(ReadOnlyAdmin):
    list_display = ["filename", "kind", "project", "canonical_version", "user", "created"]
    list_filter = ["kind"]
    search_fields = ["filename", "project__normalized_name"]


@admin.register(UpstreamProject)
class UpstreamProjectAdmin(admin.ModelAdmin):
    """What this index keeps of the upstream index: read-only (the site refreshes it)."""

    list_display = ("normalized_name", "fetched", "checked", "missing")
    search_fields = ("normalized_name",)
    readonly_fields = ("normalized_name", "name", "files", "versions", "fetched", "checked", "etag", "last_modified", "missing")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(NameReservation)
class NameReservationAdmin(admin.ModelAdmin):
    """Organisations' reserved names (made on their pages, which check for overlaps); staff can see and remove."""

    list_display = ("__str__", "organization", "created", "created_by")
    search_fields = ("name", "organization__name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(UpstreamBlock)
class UpstreamBlockAdmin(admin.ModelAdmin):
    """Upstream projects or versions kept out of this index; adding or removing one is recorded and purges its pages."""

    list_display = ("normalized_name", "version", "reason", "created", "created_by")
    search_fields = ("normalized_name",)
    fields = ("normalized_name", "version", "reason")

    def has_change_permission(self, request, obj=None):
        return obj is None

    def save_model(self, request, obj, form, change):
        block = upstream_blocks.block_add(
            request=request, actor=request.user, name=obj.normalized_name, version=obj.version, reason=obj.reason
        )
        obj.pk = block.pk

    def delete_model(self, request, obj):
        upstream_blocks.block_remove(request=request, actor=request.user, block=obj)

    def delete_queryset(self, request, queryset):
        for block in queryset:
            upstream_blocks.block_remove(request=request, actor=request.user, block=block)
