"""okno kb export DIR | okno kb import DIR: articles as Markdown files with front matter."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from okno.kb.transfer import export_articles, import_articles


class Command(BaseCommand):
    help = "Export or import knowledge base articles as a folder of Markdown files."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="Write every article to DIR/<language>/<slug>.md")
        export.add_argument("directory")
        imp = sub.add_parser("import", help="Create or update articles from DIR/**/*.md")
        imp.add_argument("directory")

    def handle(self, *args, action, directory, **options):
        path = Path(directory)
        if action == "export":
            count = export_articles(path)
            self.stdout.write(json.dumps({"exported": count, "directory": str(path)}))
            return
        if not path.is_dir():
            raise CommandError(f"{path} is not a directory")
        report = import_articles(path)
        self.stdout.write(
            json.dumps(
                {
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "images": report.images,
                    "errors": report.errors,
                },
                ensure_ascii=False,
            )
        )
        if report.errors:
            raise CommandError(f"{len(report.errors)} file(s) could not be imported")
