"""Organisations hold their names in the namespace they share with usernames (accounts.NameClaim)."""

from django.db import migrations


def claim_existing_organization_names(apps, schema_editor):
    """Claim each organisation's name. One that an account already holds stays with the account: both keep working."""
    NameClaim = apps.get_model("accounts", "NameClaim")
    Organization = apps.get_model("organizations", "Organization")
    taken = set(NameClaim.objects.values_list("name", flat=True))
    claims = []
    for name in Organization.objects.values_list("name", flat=True).iterator():
        folded = name.lower()
        if folded not in taken:
            taken.add(folded)
            claims.append(NameClaim(name=folded, kind="organization"))
    NameClaim.objects.bulk_create(claims)


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0001_initial"),
        ("accounts", "0007_name_claims"),
    ]

    operations = [migrations.RunPython(claim_existing_organization_names, migrations.RunPython.noop)]
