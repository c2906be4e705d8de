"""Error reports (the DEBUG page, mail to ADMINS) must never carry a credential.

Django hides settings and META keys that look secret, but not the
Authorization header (an upload's API token), nor POST fields unless each view
is decorated. This filter does both in one place, for every view.
"""

import re

from django.views.debug import SafeExceptionReporterFilter

_SECRET_FIELD = re.compile(r"password|passwd|token|secret|code|otp|key|credential|signature", re.I)


class CredentialSafeReporterFilter(SafeExceptionReporterFilter):
    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|AUTHORIZATION|CREDENTIAL", flags=re.I
    )

    def get_post_parameters(self, request):
        if request is None:
            return {}
        cleansed = request.POST.copy()
        for name in cleansed:
            if _SECRET_FIELD.search(name):
                cleansed[name] = self.cleansed_substitute
        return cleansed
