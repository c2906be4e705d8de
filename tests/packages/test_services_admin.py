"""Staff moderation in the admin goes through the services, so it is journaled and recorded."""

from django.contrib.admin.sites import AdminSite
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from accounts.models import SecurityEvent
from packages.admin import ProjectAdmin
from packages.models import Project
from tests.accounts.factories import UserFactory
from tests.packages.factories import ProjectFactory


def _request(staff):
    request = RequestFactory().post("/admin/")
    request.user = staff
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_admin_quarantine_and_removal_are_recorded(db, media_root):
    staff = UserFactory(is_staff=True)
    project = ProjectFactory(name="bad")
    model_admin = ProjectAdmin(Project, AdminSite())

    model_admin.quarantine(_request(staff), Project.objects.filter(pk=project.pk))
    assert Project.objects.get(pk=project.pk).status == "quarantined"
    event = SecurityEvent.objects.get(tag="project:quarantine:enter")
    assert event.user == staff and event.project_name == "bad"

    model_admin.delete_model(_request(staff), Project.objects.get(pk=project.pk))
    assert not Project.objects.filter(pk=project.pk).exists()
    assert SecurityEvent.objects.get(tag="project:remove").details["by_staff"] is True
