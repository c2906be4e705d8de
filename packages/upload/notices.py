"""Deprecation notices: an upload in a form PyPI still accepts but no longer wants, told once to its uploader."""

from django.db import IntegrityError, transaction

from accounts.mail import send_user_mail

from ..collaboration.selectors import project_roles
from ..models import DeprecationNotice, ProjectRole
from .checks.files import help_url, pep625_sdist_filename


def legacy_sdist_filename_notice(*, user, project, release, filename):
    """Record that `filename` (an sdist) is not in the PEP 625 form and email `user` once per project and release.

    Call inside the upload's transaction: the row commits with the file, and
    the mail leaves only after the commit. The row's unique constraint decides
    "once", also for two uploads at the same moment. Returns True when this
    call sent (queued) the notice.
    """
    person = user if user is not None and user.is_authenticated else None
    try:
        with transaction.atomic():
            DeprecationNotice.objects.create(
                project=project,
                canonical_version=release.canonical_version,
                kind=DeprecationNotice.Kind.SDIST_FILENAME,
                filename=filename,
                user=person,
            )
    except IntegrityError:
        return False
    context = {
        "project": project.name,
        "version": release.version,
        "filename": filename,
        "expected": pep625_sdist_filename(project.normalized_name, release.version),
        "help_url": help_url("sdist-filename"),
    }
    # A trusted publisher's or an organisation's token has no person behind it: its project's Owners are told.
    recipients = [person] if person is not None else owners(project)

    def send():
        for recipient in recipients:
            send_user_mail(user=recipient, template="packages/mail/sdist_filename_deprecated", context=context)

    transaction.on_commit(send)
    return True


def owners(project):
    return [role.user for role in project_roles(project=project) if role.role == ProjectRole.Role.OWNER]
