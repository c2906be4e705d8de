"""Mail about an organisation to its Owners and Managers (and anyone else concerned), after the change commits."""

from accounts.mail import send_notice_after_commit

from .selectors import organization_people_to_notify


def notify_organization(*, organization, subject, message, also=()):
    """After commit, mail `subject`/`message` to the organisation's Owners and Managers and to `also`."""
    send_notice_after_commit(
        people=organization_people_to_notify(organization=organization),
        also=also,
        template="organizations/mail/notice",
        context={"organization_name": organization.name, "subject": subject, "message": message},
    )
