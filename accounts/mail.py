"""Emails to users, rendered from templates/<app>/mail/<name>.subject.txt and .txt."""

from django.conf import settings
from django.core.mail import send_mail
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
    send_mail(f"[{settings.SITE_NAME}] {subject}", body, None, [to])
    return True
