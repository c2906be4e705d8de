"""Emails to users, rendered from templates/<app>/mail/<name>.subject.txt and .txt.

Each mail is plain text with a simple HTML alternative (templates/mail/layout.html:
the same text in paragraphs, links clickable; inline styles, as mail clients
ignore stylesheets).
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string


def send_user_mail(*, user, template, context=None, to=None):
    """Send the mail `template` (e.g. "accounts/mail/verify_email") to `to` or the user's primary address.

    Returns False when the user has no address to write to.
    """
    if to is None:
        primary = user.primary_email
        to = primary.email if primary else None
    if not to:
        return False
    context = {"user": user, "SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL, **(context or {})}
    subject = " ".join(render_to_string(f"{template}.subject.txt", context).split())
    body = render_to_string(f"{template}.txt", context)
    subject = f"[{settings.SITE_NAME}] {subject}"
    message = EmailMultiAlternatives(subject, body, None, [to])
    message.attach_alternative(render_to_string("mail/layout.html", {**context, "subject": subject, "body": body}), "text/html")
    message.send()
    return True


def send_notice_after_commit(*, people, also=(), template, context):
    """After the transaction commits, mail `template` to `people` and `also` (each once, `people` first).

    The recipients are read now, inside the transaction that made the change (so a person it removed can be
    included and a newcomer is counted); a rolled-back change sends nothing.
    """
    recipients = {user.pk: user for user in people}
    for user in also:
        if user is not None:
            recipients.setdefault(user.pk, user)

    def send():
        for user in recipients.values():
            send_user_mail(user=user, template=template, context=context)

    transaction.on_commit(send)
