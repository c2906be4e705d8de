from django.contrib.auth.hashers import make_password
from django.db import migrations, models

from mfa.hashers import RecoveryCodeHasher


def wrap_digests(apps, schema_editor):
    """Each stored SHA-256 digest becomes a salted Argon2 hash of itself: the codes users hold keep working."""
    RecoveryCode = apps.get_model("mfa", "RecoveryCode")
    for row in RecoveryCode.objects.only("id", "code_hash").iterator():
        if len(row.code_hash) == 64 and "$" not in row.code_hash:
            row.code_hash = make_password(row.code_hash, hasher=RecoveryCodeHasher())
            row.save(update_fields=["code_hash"])


class Migration(migrations.Migration):

    dependencies = [
        ("mfa", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="recoverycode", name="mfa_recovery_code_unique"),
        migrations.RenameField(model_name="recoverycode", old_name="digest", new_name="code_hash"),
        migrations.AlterField(model_name="recoverycode", name="code_hash", field=models.CharField(max_length=255)),
        migrations.RunPython(wrap_digests, migrations.RunPython.noop),
    ]
