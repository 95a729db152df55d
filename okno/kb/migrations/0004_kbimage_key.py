"""A random key for article images: their public address must not be guessable."""

import uuid

from django.db import migrations, models


def fill_keys(apps, schema_editor):
    KbImage = apps.get_model("kb", "KbImage")
    for image in KbImage.objects.filter(key__isnull=True).only("pk"):
        image.key = uuid.uuid4()
        image.save(update_fields=["key"])


class Migration(migrations.Migration):
    dependencies = [("kb", "0003_helpcenterbranding")]

    operations = [
        migrations.AddField(
            model_name="kbimage", name="key", field=models.UUIDField(null=True, editable=False)
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="kbimage",
            name="key",
            field=models.UUIDField(default=uuid.uuid4, unique=True, editable=False),
        ),
    ]
