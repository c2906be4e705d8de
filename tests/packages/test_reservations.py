"""Organisations reserve names and prefixes: only they create such projects, the upstream never serves them."""

import pytest
from django.test import Client

from accounts.models import SecurityEvent
from organizations.models import NameReservation
from packages.errors import NotAllowed, PackagesError
from packages.models import Project
from packages.upstream.reservations import parse, reservation_create, reservation_remove
from tests.accounts.factories import UserFactory
from tests.organizations.factories import add_member, make_organization
from tests.packages.distributions import make_wheel
from tests.packages.factories import ProjectFactory
from tests.packages.test_upload_refusals import post
from tests.tokens.factories import basic_auth_header


@pytest.fixture
def acme(db):
    owner = UserFactory()
    organization = make_organization(owner, name="acme")
    organization.owner = owner
    return organization


@pytest.mark.parametrize(
    "typed, expected",
    [("acme-tools", ("acme-tools", False)), ("acme-*", ("acme-", True)), ("Acme_*", ("acme-", True)),
     ("acme.*", ("acme-", True)), ("acme*", ("acme", True))],
)
def test_what_an_owner_types_is_normalized(typed, expected):
    assert parse(typed) == expected


@pytest.mark.parametrize("typed", ["", "*", "-acme", "acme-", "ac me", "a" * 101])
def test_what_is_not_a_name_or_prefix_is_refused(typed):
    with pytest.raises(PackagesError):
        parse(typed)


def test_an_owner_reserves_and_removes_and_both_are_recorded(acme):
    reservation = reservation_create(actor=acme.owner, organization=acme, pattern="acme-*")
    assert str(reservation) == "acme-*"
    reservation_remove(actor=acme.owner, organization=acme, reservation_id=reservation.pk)
    tags = list(SecurityEvent.objects.filter(organization_name="acme").values_list("tag", "details"))
    assert ("organization:reservation:add", {"reserved": "acme-*"}) in tags
    assert ("organization:reservation:remove", {"reserved": "acme-*"}) in tags


def test_only_owners_reserve(acme):
    member = UserFactory()
    add_member(acme, member, role="Manager")
    with pytest.raises(NotAllowed):
        reservation_create(actor=member, organization=acme, pattern="acme-*")


def test_overlapping_another_organisations_reservation_is_refused(acme):
    other_owner = UserFactory()
    other = make_organization(other_owner, name="other")
    reservation_create(actor=acme.owner, organization=acme, pattern="acme-*")
    for pattern in ("acme-tools", "acme-t*", "acm*"):
        with pytest.raises(PackagesError, match="overlaps a name another organisation has reserved"):
            reservation_create(actor=other_owner, organization=other, pattern=pattern)
    reservation_create(actor=other_owner, organization=other, pattern="acmeish")


def test_a_project_of_someone_else_blocks_the_reservation(acme):
    ProjectFactory(name="acme-thing")
    with pytest.raises(PackagesError, match="covers the name of a project that does not belong"):
        reservation_create(actor=acme.owner, organization=acme, pattern="acme-*")
    ProjectFactory(name="acme-own", organization=acme)
    Project.objects.filter(normalized_name="acme-thing").delete()
    reservation_create(actor=acme.owner, organization=acme, pattern="acme-*")


def test_only_the_organisation_creates_a_reserved_name(acme, uploader, auth, media_root):
    reservation_create(actor=acme.owner, organization=acme, pattern="acme-*")
    response = post(Client(), make_wheel("acme_internal", "1.0"), auth)
    assert response.status_code == 400
    assert (
        "The name 'acme_internal' is reserved by the organisation 'acme': only the organisation can create it "
        "(with its token, or on its projects page)."
    ) in response.content.decode()
    assert not Project.objects.filter(normalized_name="acme-internal").exists()

    from tokens.organization import organization_token_create

    _, raw = organization_token_create(actor=acme.owner, organization=acme, name="ci")
    created = post(Client(), make_wheel("acme_internal", "1.0"), basic_auth_header(raw))
    assert created.status_code == 200, created.content
    assert Project.objects.get(normalized_name="acme-internal").organization == acme


def test_the_reservations_page_works_without_javascript(acme, client):
    from tests.mfa.factories import TOTPDeviceFactory, known_device, totp_code
    from tests.accounts.factories import PASSWORD

    device = TOTPDeviceFactory(user=acme.owner)
    known_device(client, acme.owner)
    client.post("/account/login/", {"username": acme.owner.username, "password": PASSWORD})
    client.post("/account/two-factor/", {"method": "totp", "totp-code": totp_code(device)})
    page = client.get("/manage/organization/acme/reservations/")
    assert page.status_code == 200
    assert 'for="id_pattern"' in page.content.decode()
    made = client.post("/manage/organization/acme/reservations/", {"action": "reserve", "pattern": "acme-*"}, follow=True)
    assert "acme-* is reserved for the organisation." in made.content.decode()
    refused = client.post("/manage/organization/acme/reservations/", {"action": "reserve", "pattern": "acme-*"})
    assert refused.status_code == 400
    assert "acme-* is already reserved by the organisation." in refused.content.decode()
    assert NameReservation.objects.filter(organization=acme).count() == 1


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_organisations_reserving_overlapping_names_at_once_one_wins():
    from tests.concurrency import at_once

    owners = [UserFactory(), UserFactory()]
    organizations = [make_organization(owners[0], name="first"), make_organization(owners[1], name="second")]
    results = at_once(
        lambda: reservation_create(actor=owners[0], organization=organizations[0], pattern="shared-*"),
        lambda: reservation_create(actor=owners[1], organization=organizations[1], pattern="shared-tool"),
        times=4,
    )
    assert NameReservation.objects.filter(name__startswith="shared").values("organization").distinct().count() == 1
    assert sum(isinstance(r, NameReservation) for r in results) >= 1
    assert all(isinstance(r, (NameReservation, PackagesError)) for r in results), results


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_reservation_and_a_first_upload_of_a_name_it_covers_at_once_never_both_succeed(media_root):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.concurrency import at_once
    from tests.tokens.factories import make_token

    owner = UserFactory()
    acme = make_organization(owner, name="acme")
    uploader = UserFactory()
    TOTPDevice.objects.create(user=uploader, name="phone", confirmed=True)
    _, raw = make_token(uploader)
    pairs = 6

    def reserve(i):
        return lambda: reservation_create(actor=owner, organization=acme, pattern=f"race{i}-*")

    def upload(i):
        return lambda: post(Client(), make_wheel(f"race{i}_pkg", "1.0"), basic_auth_header(raw)).status_code

    at_once(*[reserve(i) for i in range(pairs)], *[upload(i) for i in range(pairs)])
    for i in range(pairs):
        reserved = NameReservation.objects.filter(name=f"race{i}-", prefix=True).exists()
        created = Project.objects.filter(normalized_name=f"race{i}-pkg").exists()
        assert not (reserved and created), i
        assert reserved or created, i
