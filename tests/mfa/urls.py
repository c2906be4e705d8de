"""The site's URLs plus two pages guarded by the mfa policies, for tests of the decorators."""

from django.http import HttpResponse
from django.urls import path
from django.views import View

from indexsite.urls import urlpatterns as site_urlpatterns
from mfa.decorators import (
    ReauthenticationRequiredMixin,
    TwoFactorRequiredMixin,
    reauthentication_required,
    two_factor_required,
)

performed = []


@two_factor_required
@reauthentication_required
def guarded(request):
    if request.method == "POST":
        performed.append(request.POST.get("action"))
        return HttpResponse("action performed")
    return HttpResponse("guarded page")


class GuardedView(TwoFactorRequiredMixin, ReauthenticationRequiredMixin, View):
    def get(self, request):
        return HttpResponse("guarded class page")


urlpatterns = [
    path("manage/test-guarded/", guarded),
    path("manage/test-guarded-class/", GuardedView.as_view()),
    *site_urlpatterns,
]
