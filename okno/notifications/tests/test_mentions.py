from types import SimpleNamespace

from okno.notifications.mentions import parse_mentions

ANNA = SimpleNamespace(name="Anna Agent", email="anna@okno.test")
ANNABEL = SimpleNamespace(name="Annabel Lee", email="annabel@okno.test")
ARTEM = SimpleNamespace(name="Artem Agent", email="artem@okno.test")
ARTEM2 = SimpleNamespace(name="Artem Second", email="artem2@okno.test")
PEOPLE = [ANNA, ANNABEL, ARTEM, ARTEM2]


def names(text):
    return sorted(p.name for p in parse_mentions(text, PEOPLE))


def test_full_names_and_addresses_match():
    assert names("@Anna Agent please look") == ["Anna Agent"]
    assert names("cc @artem2@okno.test.") == ["Artem Second"]
    assert names("@ANNA AGENT, @Annabel Lee") == ["Anna Agent", "Annabel Lee"]


def test_a_unique_first_name_matches_and_an_ambiguous_one_does_not():
    assert names("@Annabel?") == ["Annabel Lee"]
    assert names("@Anna, look") == ["Anna Agent"]
    assert names("@Artem look") == []  # two Artems: say which


def test_not_mentions():
    assert names("mail anna@okno.test or @nobody") == []
    assert names("") == []
    assert names("@Annabelle") == []
