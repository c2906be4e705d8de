"""One namespace for usernames and organisation names: every way in refuses a taken name, clearly, even at once."""

import html

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from accounts.models import NameClaim, User
from organizations.models import Organization
from tests.accounts.factories import PASSWORD, UserFactory
from tests.concurrency import at_once
from tests.mfa.factories import TOTPDeviceFactory, known_device, totp_code
from tests.organizations.factories import make_organization


def _registration(username, email):
    return {
        "username": username,
        "name": "",
        "email": email,
        "password1": "kettle-whistle-99",
        "password2": "kettle-whistle-99",
    }


def _signed_in_with_two_factor(client, user):
    device = TOTPDeviceFactory(user=user)
    known_device(client, user)  # a browser the account has used: no new-device link
    client.post("/account/login/", {"username": user.username, "password": PASSWORD})
    response = client.post("/account/two-factor/", {"method": "totp", "totp-code": totp_code(device)})
    assert response.status_code == 302
    return client


@pytest.mark.django_db
def test_registering_an_organisations_name_in_any_case_is_refused_on_the_username_field(client):
    make_organization(UserFactory(), name="acme")
    response = client.post("/account/register/", _registration("ACME", "new@example.com"))
    errors = response.context["form"].errors["username"]
    assert errors == ["The name ACME is already taken by an organisation. Choose another one."]
    assert "already taken by an organisation" in html.unescape(response.content.decode())
    assert not User.objects.filter(username__iexact="acme").exists()


@pytest.mark.django_db
def test_creating_an_organisation_with_a_username_is_refused_on_the_name_field(client):
    UserFactory(username="Bob")
    founder = _signed_in_with_two_factor(client, UserFactory(username="founder"))
    response = founder.post("/manage/organizations/", {"name": "bob", "display_name": "Bob Inc."})
    assert response.status_code == 400
    assert response.context["form"].errors["name"] == ["The name bob is already taken by an account. Choose another one."]
    assert not Organization.objects.exists()


@pytest.mark.django_db
def test_the_admin_and_createsuperuser_refuse_an_organisations_name(client):
    make_organization(UserFactory(), name="acme")
    staff = UserFactory(username="moderator", is_staff=True, is_superuser=True)
    _signed_in_with_two_factor(client, staff)
    response = client.post("/admin/accounts/user/add/", {"username": "Acme", "password1": "", "password2": "", "usable_password": "false"})
    assert response.status_code == 200
    assert "The name Acme is already taken by an organisation." in html.unescape(response.content.decode())
    with pytest.raises(CommandError, match="already taken by an organisation"):
        call_command("createsuperuser", username="acme", interactive=False, verbosity=0)
    assert list(User.objects.filter(username__iexact="acme")) == []
    # A free name still works through both.
    call_command("createsuperuser", username="root", interactive=False, verbosity=0)
    assert NameClaim.objects.get(name="root").user.username == "root"


@pytest.mark.django_db
def test_a_renamed_or_deleted_account_frees_its_name():
    user = UserFactory(username="Alice")
    assert NameClaim.objects.get(user=user).name == "alice"
    user.username = "alicia"
    user.save()
    assert list(NameClaim.objects.values_list("name", "kind")) == [("alicia", "user")]
    owner = UserFactory(username="owner")
    assert make_organization(owner, name="alice").name == "alice"
    user.delete()
    assert make_organization(owner, name="Alicia").name == "Alicia"


@pytest.mark.django_db(transaction=True)
def test_the_migration_claims_existing_names_and_keeps_a_user_and_an_organisation_that_collide():
    executor = MigrationExecutor(connection)
    before = [("accounts", "0006_security_event_tags"), ("organizations", "0001_initial")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    OldUser, OldOrganization = old.get_model("accounts", "User"), old.get_model("organizations", "Organization")
    alice = OldUser.objects.create(username="Alice", password="!")
    OldUser.objects.create(username="bob", password="!")
    OldOrganization.objects.create(name="ALICE", display_name="Alice's group", created_by=alice)
    OldOrganization.objects.create(name="acme", display_name="Acme")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    claims = dict(NameClaim.objects.values_list("name", "kind"))
    assert claims == {"alice": "user", "bob": "user", "acme": "organization"}
    assert User.objects.filter(username="Alice").exists() and Organization.objects.filter(name="ALICE").exists()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_registering_user_x_and_creating_organisation_x_at_once_lets_exactly_one_win(settings):
    settings.REGISTRATION_RATE_LIMIT = 10_000
    founder = _signed_in_with_two_factor(Client(), UserFactory(username="founder"))
    for round_ in range(5):
        name = f"Contested{round_}"

        def register():
            response = Client().post("/account/register/", _registration(name, f"{name}@example.com"))
            return "registration", response.status_code, html.unescape(response.content.decode())

        def create_organisation():
            response = founder.post("/manage/organizations/", {"name": name.lower(), "display_name": name})
            return "organisation", response.status_code, html.unescape(response.content.decode())

        results = at_once(register, create_organisation)

        assert not [r for r in results if isinstance(r, BaseException) or r[1] >= 500], results
        won = [what for what, status, _ in results if status == 302]
        assert len(won) == 1, [(what, status) for what, status, _ in results]
        lost = next(r for r in results if r[1] != 302)
        if won == ["registration"]:
            assert lost[1] == 400 and f"The name {name.lower()} is already taken by an account." in lost[2]
        else:
            assert lost[1] == 200 and f"The name {name} is already taken by an organisation." in lost[2]
        users = User.objects.filter(username__iexact=name).count()
        organisations = Organization.objects.filter(name__iexact=name).count()
        assert (users, organisations) == ((1, 0) if won == ["registration"] else (0, 1))
        assert NameClaim.objects.filter(name=name.lower()).count() == 1
