"""The legacy upload API at /legacy/ (REFERENCE §1): authenticate, call the service, map errors.

Every answer is short plain text, and every refusal also carries its message
as the HTTP reason phrase, which is what twine prints.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.dispatch import Signal
from django.http import HttpResponse
from rest_framework import exceptions
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.views import APIView

from accounts.events import client_ip
from accounts.ratelimit import ALLOW, RateLimit, RateLimited
from accounts.services import rate_limit_record
from tokens.authentication import APITokenAuthentication

from ..errors import PackagesError
from .service import release_file_upload, upload_hard_limit
from ..storage import HashingUploadHandler

NO_CREDENTIALS = "Invalid or non-existent authentication information."
# Files a minute per token and per IP: generous for a release job, a wall for a loop.
uploads = RateLimit("upload", limit=20, window=60, when_unavailable=ALLOW)  # publishing goes on if the store is down
# Sent for each upload refused by the upload service or by DRF (token authentication, a
# malformed request): the site counts them for its metrics (indexsite/metrics.py).
# kwargs: status (the response's code), kind (the refusal's class name). A rate-limited
# upload is counted as a rate-limit refusal (accounts.ratelimit.refused) instead.
upload_refused = Signal()


def plain_response(message, *, status):
    response = HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")
    # The reason phrase must be one line of latin-1 for HTTP/1.1.
    phrase = " ".join(message.split())
    response.reason_phrase = phrase.encode("latin-1", "replace").decode("latin-1")
    return response


def retry_after(response, seconds):
    if seconds:
        response["Retry-After"] = str(int(seconds))
    return response


class LegacyUploadView(APIView):
    authentication_classes = [APITokenAuthentication]
    permission_classes = []
    parser_classes = [MultiPartParser, FormParser]

    def post(self, request):
        if request.auth is None:
            return plain_response(NO_CREDENTIALS, status=403)
        token_id = getattr(request.auth, "identifier", "")
        try:
            uploads.consume(f"token:{token_id}", client_ip(request), limit=settings.UPLOAD_RATE_LIMIT)
        except RateLimited as error:
            rate_limit_record(request=request, error=error, user=request.user, details={"token_id": token_id})
            return retry_after(
                plain_response(f"Too many uploads. Try again in {error.retry_after} seconds.", status=429),
                error.retry_after,
            )
        # Stream the file to disk, hashing it, writing no more than any project may accept.
        request._request.upload_handlers = [HashingUploadHandler(request._request, limit=upload_hard_limit())]
        try:
            data, files = request.data, request.FILES
        except (RequestDataTooBig, TooManyFieldsSent):
            return plain_response("The upload's form fields are too large.", status=400)
        except (exceptions.ParseError, exceptions.UnsupportedMediaType, SuspiciousOperation, ValueError):
            return plain_response("Invalid upload: send multipart/form-data as upload clients do.", status=400)
        try:
            # An organisation's token authenticates no person: the upload is the organisation's.
            user = request.user if request.user.is_authenticated else None
            result = release_file_upload(
                request=request, user=user, token=request.auth, data=data, content=files.get("content")
            )
        except PackagesError as error:
            upload_refused.send(sender=LegacyUploadView, status=error.status, kind=type(error).__name__)
            return retry_after(plain_response(error.message, status=error.status), getattr(error, "retry_after", None))
        if not result.created:
            return plain_response(f"{result.file.filename} was already uploaded with these bytes; nothing changed.", status=200)
        return plain_response(f"Uploaded {result.file.filename}.", status=200)

    def handle_exception(self, exc):
        if isinstance(exc, exceptions.APIException):
            upload_refused.send(sender=LegacyUploadView, status=exc.status_code, kind=type(exc).__name__)
            detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
            return retry_after(plain_response(str(detail), status=exc.status_code), getattr(exc, "wait", None))
        return super().handle_exception(exc)
