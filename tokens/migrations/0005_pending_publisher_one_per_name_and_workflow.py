from django.conf import settings
from django.db import migrations, models


def workflow_key(publisher):
    # As tokens.publishing.kinds computes it (kept here as it was when this migration was written).
    if publisher.kind == "github":
        return "github:" + "/".join([publisher.repository_owner, publisher.repository_name, publisher.workflow]).lower()
    if publisher.kind == "gitlab":
        return f"gitlab:{publisher.repository_owner}/{publisher.repository_name}".lower() + f"//{publisher.workflow}"
    return f"custom:{publisher.issuer_id}:{publisher.subject}"


def fill_workflow_keys(apps, schema_editor):
    """Fill the new column; of pending publishers sharing a name or a workflow, the first registered stays."""
    TrustedPublisher = apps.get_model("tokens", "TrustedPublisher")
    names, keys = set(), set()
    for publisher in TrustedPublisher.objects.order_by("created", "id"):
        publisher.workflow_key = workflow_key(publisher)
        if publisher.pending and (publisher.project_name in names or publisher.workflow_key in keys):
            publisher.delete()
            continue
        if publisher.pending:
            names.add(publisher.project_name)
            keys.add(publisher.workflow_key)
        publisher.save(update_fields=["workflow_key"])


class Migration(migrations.Migration):

    dependencies = [
        ('tokens', '0004_token_read_upload'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='trustedpublisher',
            name='workflow_key',
            field=models.CharField(default='', editable=False, max_length=1024),
        ),
        migrations.RunPython(fill_workflow_keys, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='trustedpublisher',
            constraint=models.UniqueConstraint(condition=models.Q(('pending', True)), fields=('project_name',), name='tokens_pending_publisher_one_per_name'),
        ),
        migrations.AddConstraint(
            model_name='trustedpublisher',
            constraint=models.UniqueConstraint(condition=models.Q(('pending', True)), fields=('workflow_key',), name='tokens_pending_publisher_one_per_workflow'),
        ),
    ]
