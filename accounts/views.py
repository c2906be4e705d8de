from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.module_loading import import_string
from django.views.decorators.http import require_POST
from django.utils.translation import gettext, gettext_lazy

from . import selectors, services
from .errors import AccountError
from .events import client_ip
from .forms import AddEmailForm, LoginForm, PasswordResetRequestForm, RegistrationForm
from .models import Email
from .names import name_holder, name_taken_message
from .navigation import next_url
from .ratelimit import (
    RateLimit,
    RateLimited,
    login_failures,
    password_reset_requests,
    password_reset_requests_per_account,
    rate_limited_response,
    registrations,
    verification_resends,
)
from .reauthentication import reauthentication_required
from .sessions.selectors import session_limits_in_words, user_sessions
from .tokens import password_reset_token

HISTORY_PAGE_SIZE = 25

# PyPI's limits on email addresses: 2 added a day per account, 3 verification mails per 6 hours to one address.
email_additions = RateLimit("email-add", limit=2, window=24 * 3600)
verification_mails = RateLimit("verify-mail", limit=3, window=6 * 3600)


def safe_next(request, default="accounts:manage"):
    """The `next` parameter when it points into this site, else `default`."""
    return next_url(request) or reverse(default)


def register(request):
    if not settings.REGISTRATION_OPEN:
        # Closed: nothing is read from the request and nothing is created; staff invite people instead.
        return render(request, "accounts/registration_closed.html", status=403)
    if request.user.is_authenticated:
        return redirect("accounts:manage")
    if request.method == "POST":
        # Every submission counts, before the form's checks look up whether its name or address is
        # taken: otherwise "already taken" would answer unlimited questions about who has an account.
        try:
            registrations.consume(client_ip(request), limit=settings.REGISTRATION_RATE_LIMIT)
        except RateLimited as error:
            services.rate_limit_record(request=request, error=error)
            return rate_limited_response(request, "accounts/register.html", {"form": RegistrationForm()}, error)
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_register(
                request=request, username=data["username"], name=data["name"], email=data["email"], password=data["password1"]
            )
        except IntegrityError:  # lost a race for the same name (an account's or an organisation's) or email
            holder = name_holder(data["username"])
            if holder is not None:
                form.add_error("username", name_taken_message(data["username"], holder))
            else:
                form.add_error(None, gettext("This username or email address was just taken. Choose another one."))
        else:
            services.user_login(request=request, user=user, method="password")
            messages.success(
                request,
                gettext(
                    "Welcome, %(username)s. We sent a verification link to %(email)s: open it to verify your address."
                )
                % {"username": user.username, "email": data["email"]},
            )
            return redirect("accounts:manage")
    return render(request, "accounts/register.html", {"form": form})


def login(request):
    next_url = safe_next(request)
    form = LoginForm(request.POST or None)
    context = {"form": form, "next": next_url}
    if request.method == "POST" and form.is_valid():
        login_text = form.cleaned_data["username"]
        account = selectors.user_by_login(login_text)
        keys = (client_ip(request), f"user:{account.pk}" if account else f"login:{login_text.lower()}")
        try:
            login_failures.consume(*keys)
        except RateLimited as error:
            services.rate_limit_record(request=request, error=error, user=account)
            return rate_limited_response(request, "accounts/login.html", context, error)
        user = authenticate(request, username=login_text, password=form.cleaned_data["password"])
        if user is None:
            form.add_error(None, gettext("The username or email and password you entered do not match an account."))
        else:
            login_failures.refund(*keys)
            if settings.LOGIN_SECOND_STEP:
                response = import_string(settings.LOGIN_SECOND_STEP)(request, user, next_url)
                if response is not None:
                    return response
            services.user_login(request=request, user=user, method="password")
            return redirect(next_url)
    return render(request, "accounts/login.html", context)


class LogoutView(auth_views.LogoutView):
    """Logout by POST only (Django refuses GET)."""

    next_page = reverse_lazy("home")


def verify_email(request):
    try:
        email = services.email_verify(request=request, token=request.GET.get("token", ""))
    except AccountError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, gettext("Email address %(email)s verified.") % {"email": email.email})
    return redirect("accounts:manage" if request.user.is_authenticated else "accounts:login")


def password_reset(request):
    form = PasswordResetRequestForm(request.POST or None)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        login_text = form.cleaned_data["login"].strip().lower()
        try:
            password_reset_requests.consume(client_ip(request))
            account = selectors.user_by_login(login_text)
            password_reset_requests_per_account.consume(f"user:{account.pk}" if account else f"login:{login_text}")
        except RateLimited as error:
            services.rate_limit_record(request=request, error=error)
            return rate_limited_response(request, "accounts/password_reset.html", context, error)
        services.password_reset_request(request=request, login=login_text)
        return render(request, "accounts/password_reset_sent.html")
    return render(request, "accounts/password_reset.html", context)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    token_generator = password_reset_token
    success_url = reverse_lazy("accounts:login")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_reset_complete(request=self.request, user=form.user)
        messages.success(self.request, gettext("Your password has been reset. Log in with the new password."))
        return response


@reauthentication_required
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST":
        # The current password is a guess like any login: counted against the
        # account's login limit before it is compared.
        keys = (f"user:{request.user.pk}",)
        try:
            login_failures.consume(*keys)
        except RateLimited as error:
            services.rate_limit_record(request=request, error=error, user=request.user, details={"action": "password_change"})
            return rate_limited_response(
                request, "accounts/password_change.html", {"form": PasswordChangeForm(request.user)}, error
            )
        if form.is_valid():
            login_failures.refund(*keys)
            services.password_change(request=request, user=request.user, new_password=form.cleaned_data["new_password1"])
            messages.success(request, gettext("Your password has been changed. Your other sessions have been logged out."))
            return redirect("accounts:manage")
        if "old_password" in form.errors:
            services.password_confirmation_failed(request=request, user=request.user, reason="password_change")
        else:
            login_failures.refund(*keys)
    return render(request, "accounts/password_change.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def manage(request):
    if request.method == "POST":
        return email_add(request)
    return _manage_page(request, AddEmailForm(prefix="add"))


def _manage_page(request, add_form, status=200):
    history = Paginator(selectors.user_security_history(request.user), HISTORY_PAGE_SIZE)
    page = history.get_page(request.GET.get("page"))
    context = {
        "emails": Email.objects.filter(user=request.user).order_by("-primary", "email"),
        "add_form": add_form,
        "page": page,
        "events": page,
        "history_days": selectors.SECURITY_HISTORY_DAYS,
        "sessions": user_sessions(request),
        "session_limits": session_limits_in_words(),
    }
    return render(request, "accounts/manage.html", context, status=status)


_LIMIT_EXPLANATIONS = {
    email_additions.scope: gettext_lazy("An account can add at most 2 email addresses a day."),
    verification_mails.scope: gettext_lazy("An address can receive at most 3 verification links in 6 hours."),
    verification_resends.scope: gettext_lazy("An account can send at most 5 verification links an hour."),
}


def _refused(request, error, **details):
    services.rate_limit_record(request=request, error=error, user=request.user, details=details)
    context = {"back_url": reverse("accounts:manage"), "explanation": _LIMIT_EXPLANATIONS.get(error.scope)}
    return rate_limited_response(request, "accounts/rate_limited.html", context, error)


@reauthentication_required
def email_add(request):
    """Add an address (the account page's form posts here): recent re-authentication, and counted first."""
    add_form = AddEmailForm(request.POST, prefix="add")
    if not add_form.is_valid():
        return _manage_page(request, add_form, status=400)
    address = add_form.cleaned_data["email"]
    try:
        # Counted before the lookup of whether the address is in use, so that lookup cannot be repeated at will.
        email_additions.consume(f"user:{request.user.pk}")
        verification_mails.consume(f"email:{address.lower()}")
    except RateLimited as error:
        return _refused(request, error, email=address)
    try:
        services.email_add(request=request, user=request.user, email=address)
    except IntegrityError:
        add_form.add_error("email", gettext("This email address is already in use."))
        return _manage_page(request, add_form, status=400)
    messages.success(
        request, gettext("Email address %(email)s added. Check it for a verification link.") % {"email": address}
    )
    return redirect("accounts:manage")


def _email_action(service, success, *, sensitive):
    def view(request, email_id):
        if request.method != "POST":
            # Where the re-authentication prompt returns after a refused POST: nothing is done on a GET.
            return redirect("accounts:manage")
        try:
            email = service(request=request, user=request.user, email_id=email_id)
        except RateLimited as error:
            return _refused(request, error)
        except AccountError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, success % {"email": email.email if email else ""})
        return redirect("accounts:manage")

    # Removing an address or making one primary hands the account's mail (and so its
    # password resets) to another address: only a session that proved itself recently may.
    return reauthentication_required(view) if sensitive else login_required(require_POST(view))


def _resend(*, request, user, email_id):
    verification_resends.consume(f"user:{user.pk}")
    email = Email.objects.filter(user=user, pk=email_id).first()
    if email is None:
        raise AccountError(gettext("That email address is not on your account."))
    if email.verified:
        raise AccountError(gettext("That email address is already verified."))
    verification_mails.consume(f"email:{email.email.lower()}")
    services.email_send_verification(email=email)
    return email


def _remove(*, request, user, email_id):
    email = Email.objects.filter(user=user, pk=email_id).first()
    services.email_remove(request=request, user=user, email_id=email_id)
    return email


email_resend = _email_action(
    _resend, gettext_lazy("A new verification link was sent to %(email)s."), sensitive=False
)
email_remove = _email_action(_remove, gettext_lazy("Email address %(email)s removed."), sensitive=True)
email_make_primary = _email_action(
    services.email_make_primary, gettext_lazy("%(email)s is now your primary email address."), sensitive=True
)
