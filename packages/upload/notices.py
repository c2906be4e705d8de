"""Deprecation notices: an upload in a form PyPI still accepts but no longer wants, told once to its uploader."""

from django.db import IntegrityError, transaction

from accounts.mail import send_user_mail

from ..models import DeprecationNotice
from .checks.files import help_url, pep625_sdist_filename


def legacy_sdist_filename_notice(*, user, project, release, filename):
    """Record that `filename` (an sdist) is not in the PEP 625 form and email `user` once per project and release.

    Call inside the upload's transaction: the row commits with the file, and
    the mail leaves only after the commit. The row's unique constraint decides
    "once", also for two uploads at the same moment. Returns True when this
    call sent (queued) the notice.
    """
    try:
        with transaction.atomic():
            DeprecationNotice.objects.create(
                project=project,
                canonical_version=release.canonical_version,
                kind=DeprecationNotice.Kind.SDIST_FILENAME,
                filename=filename,
                user=user,
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
    transaction.on_commit(
        lambda: send_user_mail(user=user, template="packages/mail/sdist_filename_deprecated", context=context)
    )
    return True
