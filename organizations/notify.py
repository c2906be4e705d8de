"""Mail about an organisation to its Owners and Managers (and anyone else concerned), after the change commits."""

from django.db import transaction

from accounts.mail import send_user_mail

from .selectors import organization_people_to_notify


def notify_organization(*, organization, subject, message, also=()):
    """After commit, mail `subject`/`message` to the organisation's Owners and Managers and to `also`."""
    people = {user.pk: user for user in organization_people_to_notify(organization=organization)}
    for user in also:
        if user is not None:
            people.setdefault(user.pk, user)
    context = {"organization_name": organization.name, "subject": subject, "message": message}

    def send():
        for user in people.values():
            send_user_mail(user=user, template="organizations/mail/notice", context=context)

    transaction.on_commit(send)
