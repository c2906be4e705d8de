"""Make `Project.confusable_name` unique, so two look-alike names uploaded at once cannot both be created.

Projects created before this constraint may already share a folded name (the
check ran on an unlocked read). The oldest of each group keeps the folded name;
each later one gets it with `~<id>` appended, which keeps every existing
project and still makes new look-alikes of the group collide with the oldest.
"""

from django.db import migrations, models
from django.db.models import Count

SUFFIX = "~{pk}"


def separate_existing_lookalikes(apps, schema_editor):
    Project = apps.get_model("packages", "Project")
    shared = (
        Project.objects.values("confusable_name").annotate(n=Count("id")).filter(n__gt=1).values_list("confusable_name", flat=True)
    )
    for folded in list(shared):
        for project in Project.objects.filter(confusable_name=folded).order_by("created", "id")[1:]:
            suffix = SUFFIX.format(pk=project.pk)
            project.confusable_name = folded[: 255 - len(suffix)] + suffix
            project.save(update_fields=["confusable_name"])


class Migration(migrations.Migration):
    dependencies = [
        ("packages", "0006_deprecation_notice"),
    ]

    operations = [
        migrations.RunPython(separate_existing_lookalikes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="project",
            name="confusable_name",
            field=models.CharField(default="", editable=False, max_length=255),
        ),
        migrations.AddConstraint(
            model_name="project",
            constraint=models.UniqueConstraint(fields=("confusable_name",), name="packages_project_confusable_unique"),
        ),
    ]
