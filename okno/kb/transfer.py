"""Moving articles in and out as a folder of Markdown files with front matter.

    <dir>/<language>/<slug>.md

    ---
    title: Как сбросить пароль
    slug: kak-sbrosit-parol
    language: ru
    category: Аккаунт / Пароли        # the path of category names, created if missing
    visibility: public                 # public | internal | organizations
    organizations: [Acme]              # names, for visibility: organizations
    tags: [password, login]
    translation_of: en/reset-password  # <language>/<slug> of the article it translates
    published: true
    ---
    Markdown text...

Images the articles link to (/kb/images/<key>/<name>) travel beside them as
<dir>/images/<key>/<name> and are imported under the same key, so the links in
the Markdown keep working; they are checked like any upload.

Export writes the published text (or the draft of a never-published article, with
`published: false`), so a draft in progress is never published by a round trip.
Import creates or updates by (language, slug) and publishes when the text changed;
running it twice changes nothing. Other help centers' exports only need `title`.
"""

import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.conf import settings
from django.core.files import File
from django.db import transaction

from okno.contacts.models import Organization
from okno.core.errors import ValidationFailed
from okno.kb import services
from okno.kb.models import Article, KbCategory, KbImage, Visibility
from okno.kb.selectors import article_draft

CATEGORY_SEPARATOR = " / "


# --- front matter ------------------------------------------------------------------------


def dump_document(meta: dict, body: str) -> str:
    head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{head}---\n{body}"


def parse_document(text: str) -> tuple[dict, str]:
    """(front matter, body); a file without front matter is all body."""
    text = text.lstrip("\ufeff")
    if not text.startswith("---"):
        return {}, text
    lines = text.split("\n")
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            meta = yaml.safe_load("\n".join(lines[1:i])) or {}
            if not isinstance(meta, dict):
                raise ValidationFailed("front matter is not a mapping")
            return meta, "\n".join(lines[i + 1 :])
    return {}, text


# --- export ----------------------------------------------------------------------------------


def category_path(category: KbCategory | None) -> str:
    names = []
    while category is not None:
        names.append(category.name)
        category = category.parent
    return CATEGORY_SEPARATOR.join(reversed(names))


def export_articles(directory: Path) -> int:
    directory = Path(directory)
    articles = Article.objects.select_related("published_version", "category").prefetch_related(
        "tags", "organizations"
    )
    by_group: dict = {}
    image_keys: set[str] = set()
    for article in articles.order_by("pk"):
        by_group.setdefault(article.translation_group, []).append(article)
    count = 0
    for article in articles.order_by("pk"):
        version = article.published_version or article_draft(article)
        if version is None:
            continue
        # The first article of a translation group is the one the others translate.
        original = by_group[article.translation_group][0]
        meta = {
            "title": version.title,
            "slug": article.slug,
            "language": article.language,
            "category": category_path(article.category),
            "visibility": article.visibility,
            "organizations": sorted(o.name for o in article.organizations.all()),
            "tags": sorted(t.name for t in article.tags.all()),
            "translation_of": ""
            if original.pk == article.pk
            else f"{original.language}/{original.slug}",
            "published": article.published_version_id is not None,
            "archived": article.archived,
        }
        target = directory / article.language / f"{article.slug}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(dump_document(meta, version.body_markdown), encoding="utf-8")
        image_keys |= set(IMAGE_LINK.findall(version.body_markdown))
        count += 1
    _export_images(directory, image_keys)
    return count


IMAGE_LINK = re.compile(
    r"/kb/images/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/"
)
IMAGES_FOLDER = "images"


def _export_images(directory: Path, keys: set[str]) -> None:
    for image in KbImage.objects.filter(key__in=keys):
        target = directory / IMAGES_FOLDER / str(image.key) / image.name
        target.parent.mkdir(parents=True, exist_ok=True)
        with image.file.open("rb") as source:
            target.write_bytes(source.read())


def _import_images(directory: Path, actor, report: "ImportReport") -> None:
    """Images under <dir>/images/<key>/<name> that this help center does not have yet."""
    folder = Path(directory) / IMAGES_FOLDER
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*/*")):
        try:
            key = uuid.UUID(path.parent.name)
        except ValueError:
            report.errors.append(f"{path}: the folder name is not an image key")
            continue
        if KbImage.objects.filter(key=key).exists():
            continue
        try:
            with path.open("rb") as handle:
                upload = File(handle, name=path.name)
                services.image_upload(actor=actor, uploaded_file=upload, key=key)
            report.images += 1
        except ValidationFailed as exc:
            report.errors.append(f"{path}: {exc.message}")


# --- import ---------------------------------------------------------------------------------


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    images: int = 0
    errors: list[str] = field(default_factory=list)


def _category_from_path(path: str, actor) -> KbCategory | None:
    parent = None
    for name in [p.strip() for p in (path or "").split(CATEGORY_SEPARATOR.strip()) if p.strip()]:
        found = KbCategory.objects.filter(parent=parent, name=name).first()
        parent = found or services.category_create(actor=actor, name=name, parent=parent)
    return parent


def _organizations(names) -> list[Organization]:
    names = [str(n) for n in names or []]
    rows = list(Organization.objects.filter(name__in=names))
    missing = set(names) - {o.name for o in rows}
    if missing:
        raise ValidationFailed(f"unknown organizations: {', '.join(sorted(missing))}")
    return rows


def _import_one(meta: dict, body: str, actor, report: ImportReport) -> None:
    language = str(meta.get("language") or "en")
    slug = str(meta.get("slug") or "")
    title = str(meta.get("title") or "")
    visibility = str(meta.get("visibility") or Visibility.PUBLIC)
    category = _category_from_path(str(meta.get("category") or ""), actor)
    organizations = _organizations(meta.get("organizations"))
    tags = [str(t) for t in meta.get("tags") or []]
    publish = bool(meta.get("published", True))
    existing = Article.objects.filter(language=language, slug=slug).first() if slug else None
    if existing is None:
        translation_of = None
        if meta.get("translation_of"):
            lang, _sep, other = str(meta["translation_of"]).partition("/")
            translation_of = Article.objects.filter(language=lang, slug=other).first()
        article = services.article_create(
            actor=actor,
            title=title,
            body_markdown=body,
            category=category,
            language=language,
            visibility=visibility,
            organizations=organizations,
            tags=tags,
            slug=slug,
            translation_of=translation_of,
            publish=publish,
        )
        if meta.get("archived"):
            services.article_archive(actor=actor, article=article)
        report.created += 1
        return
    current = article_draft(existing) or existing.published_version
    changed_text = current is None or (current.title, current.body_markdown) != (title, body)
    if changed_text:
        services.article_save_draft(actor=actor, article=existing, title=title, body_markdown=body)
    changed_settings = (
        existing.category_id != (category.pk if category else None)
        or existing.visibility != visibility
        or {o.pk for o in existing.organizations.all()} != {o.pk for o in organizations}
        or {t.name for t in existing.tags.all()} != set(tags)
    )
    if changed_settings:
        services.article_update_settings(
            actor=actor,
            article=existing,
            category=category,
            visibility=visibility,
            organizations=organizations,
            tags=tags,
        )
    if publish and article_draft(existing) is not None:
        services.article_publish(actor=actor, article=existing)
        changed_text = True
    if bool(meta.get("archived")) != existing.archived:
        services.article_archive(actor=actor, article=existing, archived=bool(meta.get("archived")))
        changed_settings = True
    if changed_text or changed_settings:
        report.updated += 1
    else:
        report.unchanged += 1


def import_articles(directory: Path, *, actor=None) -> ImportReport:
    """Import every *.md under `directory`; originals before their translations."""
    report = ImportReport()
    _import_images(directory, actor, report)
    documents = []
    for path in sorted(Path(directory).rglob("*.md")):
        try:
            meta, body = parse_document(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, yaml.YAMLError, ValidationFailed) as exc:
            report.errors.append(f"{path}: {exc}")
            continue
        meta.setdefault("slug", path.stem)
        folder = path.parent.name
        meta.setdefault("language", folder if folder in dict(settings.LANGUAGES) else "en")
        documents.append((path, meta, body))
    documents.sort(key=lambda d: bool(d[1].get("translation_of")))
    for path, meta, body in documents:
        try:
            with transaction.atomic():
                _import_one(meta, body, actor, report)
        except ValidationFailed as exc:
            report.errors.append(f"{path}: {exc.message}")
    return report
