from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext, gettext_lazy

from .models import Email, User, username_validator
from .names import name_holder, name_taken_message


def _email_taken(email):
    return Email.objects.filter(email__iexact=email).exists()


class RegistrationForm(forms.Form):
    username = forms.CharField(
        max_length=50,
        validators=[username_validator],
        help_text=gettext_lazy("Letters, numbers, '.', '_' and '-'; at most 50 characters."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    name = forms.CharField(label=gettext_lazy("Full name"), max_length=100, required=False, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label=gettext_lazy("Email address"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password1 = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=gettext_lazy("Confirm password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean_username(self):
        username = self.cleaned_data["username"]
        holder = name_holder(username)
        if holder is not None:
            raise forms.ValidationError(name_taken_message(username, holder))
        return username

    def clean_email(self):
        email = self.cleaned_data["email"]
        if _email_taken(email):
            raise forms.ValidationError(gettext_lazy("This email address is already in use by another account."))
        return email

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", gettext("The two passwords do not match."))
        elif p1:
            candidate = User(username=cleaned.get("username", ""), name=cleaned.get("name", ""))
            try:
                password_validation.validate_password(p1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class LoginForm(forms.Form):
    username = forms.CharField(
        label=gettext_lazy("Username or email"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "autofocus": True}),
    )
    password = forms.CharField(strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class AddEmailForm(forms.Form):
    """Only the address's form: whether it is in use is asked after the attempt is counted (accounts.views)."""

    email = forms.EmailField(label=gettext_lazy("Email address"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class PasswordResetRequestForm(forms.Form):
    login = forms.CharField(label=gettext_lazy("Username or email"), max_length=254, widget=forms.TextInput(attrs={"autocomplete": "username"}))
