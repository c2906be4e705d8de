from django import forms
from django.utils.translation import gettext_lazy


class TOTPCodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*", "autofocus": True}
        ),
        help_text=gettext_lazy("The 6-digit code your app shows now."),
    )

    def clean_code(self):
        code = self.cleaned_data["code"].replace(" ", "")
        if len(code) != 6 or not code.isdigit():
            raise forms.ValidationError(gettext_lazy("Enter the 6 digits your authenticator app shows."))
        return code


class RecoveryCodeForm(forms.Form):
    recovery_code = forms.CharField(
        label=gettext_lazy("Recovery code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}),
        help_text=gettext_lazy("One of the codes you saved when you set up two-factor authentication."),
    )


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class WebAuthnLabelForm(forms.Form):
    label = forms.CharField(
        label=gettext_lazy("Label for the new security key"),
        max_length=64,
        help_text=gettext_lazy("A name you will recognise, such as “Blue key” or “Laptop passkey”."),
    )


class WebAuthnRemoveForm(forms.Form):
    label = forms.CharField(label=gettext_lazy("Type the key's label to confirm"), max_length=64)
