"""Mail to everyone who works on a project when something about it changes.

Recipients are read inside the transaction that made the change (so a removed
person can be included and a newcomer is counted), and the mail goes out only
after it commits: a rolled-back change sends nothing.
"""

from accounts.mail import send_notice_after_commit

from ..models import ProjectRole


def collaborators(project):
    """Every active user with a role on `project`."""
    roles = ProjectRole.objects.filter(project=project, user__is_active=True).select_related("user")
    return [role.user for role in roles]


def notify_collaborators(*, project, subject, message, also=(), recipients=None):
    """After commit, mail `subject`/`message` to the project's collaborators (or `recipients`) and `also`."""
    send_notice_after_commit(
        people=collaborators(project) if recipients is None else recipients,
        also=also,
        template="packages/mail/project_notice",
        context={"project_name": project.name, "subject": subject, "message": message},
    )
