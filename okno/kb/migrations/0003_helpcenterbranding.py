# The help center's branding (okno/kb/branding.py), one row.

import django.utils.timezone
from django.db import migrations, models

import okno.kb.branding


class Migration(migrations.Migration):
    dependencies = [("kb", "0002_search_index")]

    operations = [
        migrations.CreateModel(
            name="HelpCenterBranding",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "company_name",
                    models.CharField(blank=True, max_length=120, verbose_name="company name"),
                ),
                (
                    "primary_color",
                    models.CharField(
                        default="#2457c5",
                        max_length=7,
                        validators=[okno.kb.branding.validate_color],
                        verbose_name="primary colour",
                    ),
                ),
                (
                    "logo",
                    models.FileField(blank=True, upload_to="kb/branding/", verbose_name="logo"),
                ),
                ("logo_type", models.CharField(blank=True, max_length=40)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={"verbose_name": "help center branding"},
        ),
    ]
