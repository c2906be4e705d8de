"""Two rotations of one token at the same moment leave exactly one working token."""

import pytest

from tests.concurrency import at_once
from tests.tokens.factories import make_token
from tokens.errors import TokenError
from tokens.models import APIToken
from tokens.services import token_rotate

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def test_two_rotations_at_once_leave_one_survivor(user):
    token, _ = make_token(user, name="release job")

    results = at_once(lambda: token_rotate(token=token), times=2)

    rotated = [r for r in results if isinstance(r, tuple)]
    refused = [r for r in results if isinstance(r, TokenError)]
    assert len(rotated) == 1 and len(refused) == 1, results
    survivors = APIToken.objects.filter(owner=user, name="release job", revoked__isnull=True)
    assert list(survivors) == [rotated[0][0]]
