"""Mail to everyone who works on a project when something about it changes.

Recipients are read inside the transaction that made the change (so a removed
person can be included and a newcomer is counted), and the mail goes out only
after it commits: a rolled-back change sends nothing.
"""

from django.db import transaction

from accounts.mail import send_user_mail

from ..models import ProjectRole


def collaborators(project):
    """Every active user with a role on `project`."""
    roles = ProjectRole.objects.filter(project=project, user__is_active=True).select_related("user")
    return [role.user for role in roles]


def notify_collaborators(*, project, subject, message, also=(), recipients=None):
    """After commit, mail `subject`/`message` to the project's collaborators (or `recipients`) and `also`."""
    people = {user.pk: user for user in (collaborators(project) if recipients is None else recipients)}
    for user in also:
        if user is not None:
            people.setdefault(user.pk, user)
    project_name = project.name
    context = {"project_name": project_name, "subject": subject, "message": message}

    def send():
        for user in people.values():
            send_user_mail(user=user, template="packages/mail/project_notice", context=context)

    transaction.on_commit(send)
