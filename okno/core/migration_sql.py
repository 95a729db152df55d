"""Migration operations for SQL that only PostgreSQL runs (its stored search vectors
and their GIN indexes); SQLite keeps its full-text tables from other migrations."""

from django.db import migrations


def postgresql_only(forward: list[str], backward: list[str]) -> migrations.RunPython:
    """Run `forward` on PostgreSQL when migrating, `backward` when reversing."""

    def run(statements):
        def apply(apps, schema_editor):
            if schema_editor.connection.vendor == "postgresql":
                for sql in statements:
                    schema_editor.execute(sql)

        return apply

    return migrations.RunPython(run(forward), run(backward))
