from django import forms


class TOTPCodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*", "autofocus": True}
        ),
        help_text="The 6-digit code your app shows now.",
    )

    def clean_code(self):
        code = self.cleaned_data["code"].replace(" ", "")
        if len(code) != 6 or not code.isdigit():
            raise forms.ValidationError("Enter the 6 digits your authenticator app shows.")
        return code


class RecoveryCodeForm(forms.Form):
    recovery_code = forms.CharField(
        label="Recovery code",
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}),
        help_text="One of the codes you saved when you set up two-factor authentication.",
    )


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class WebAuthnLabelForm(forms.Form):
    label = forms.CharField(
        label="Label for the new security key",
        max_length=64,
        help_text="A name you will recognise, such as “Blue key” or “Laptop passkey”.",
    )


class WebAuthnRemoveForm(forms.Form):
    label = forms.CharField(label="Type the key's label to confirm", max_length=64)
