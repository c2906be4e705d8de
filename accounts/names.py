"""One namespace for usernames and organisation names.

A name is held by one row of `NameClaim`, unique on the name in lower case (as
usernames are compared). An account claims its username whenever it is saved
(`User.save`: registration, the admin, createsuperuser); an organisation
claims its name through `name_claim_organization`, in the transaction that
creates it. Two requests for one name at once cannot both commit: the loser's
transaction fails with IntegrityError, and the caller shows
`name_taken_message`, naming who holds the name now.

Accounts know nothing of organisations: an organisation's claim is only a name
of kind ORGANIZATION, written and released by the organisations app.
"""

from .models import NameClaim, fold_name, name_taken_message  # noqa: F401 (name_taken_message: its callers import it from here)

Kind = NameClaim.Kind


def name_holder(name):
    """Who holds `name` (any letter case): ``Kind.USER``, ``Kind.ORGANIZATION`` or None."""
    return NameClaim.objects.filter(name=fold_name(name)).values_list("kind", flat=True).first()


def name_claim_organization(*, name):
    """Claim `name` for a new organisation. Call inside the creating transaction; IntegrityError when it is taken."""
    NameClaim.objects.create(name=fold_name(name), kind=Kind.ORGANIZATION)


def name_claim_organization_move(*, old, new):
    """Move an organisation's claim from `old` to `new` (a rename): `old` is free once the transaction commits.

    IntegrityError when `new` is taken.
    """
    if fold_name(old) == fold_name(new):
        return
    moved = NameClaim.objects.filter(name=fold_name(old), kind=Kind.ORGANIZATION).update(name=fold_name(new))
    if not moved:  # an organisation that never held its name (it shared it with an older account)
        name_claim_organization(name=new)


def name_release_organization(*, name):
    """Free an organisation's name (it was deleted). A name held by an account is left alone."""
    NameClaim.objects.filter(name=fold_name(name), kind=Kind.ORGANIZATION).delete()
