"""rawsql.insert writes rows as bulk_create would: keys in order, values as given."""

import pytest
from django.db.models.signals import post_save, pre_save

from okno.core.rawsql import insert
from okno.tickets.models import Tag

pytestmark = pytest.mark.django_db


def test_insert_gives_each_row_its_key_and_stores_values_as_parameters():
    assert not pre_save.has_listeners(Tag) and not post_save.has_listeners(Tag)
    hostile = "x'); DROP TABLE tickets_tag; --"
    tags = [Tag(name=f"{hostile} {i}") for i in range(3)]

    insert(*tags)

    stored = dict(Tag.objects.filter(pk__in=[t.pk for t in tags]).values_list("pk", "name"))
    assert stored == {t.pk: t.name for t in tags}
    assert all(not t._state.adding for t in tags)


def test_insert_splits_rows_beyond_the_backends_parameter_limit():
    tags = [Tag(name=f"bulk tag {i}") for i in range(40_000)]

    insert(*tags)

    assert len({t.pk for t in tags}) == 40_000
    assert Tag.objects.filter(name__startswith="bulk tag ").count() == 40_000
    assert Tag.objects.get(pk=tags[-1].pk).name == "bulk tag 39999"
