"""The reading rules as data: they round-trip through the metadata and the card says them."""

from __future__ import annotations

from engine.export.card import model_card
from engine.export.metadata import InputSpec, ModelMetadata
from engine.recipe.cells import CellRules

RULES = (
    InputSpec("fee", "numeric", rules=CellRules("numeric", decimal=",", thousands=".")),
    InputSpec("Garage Cars", "categorical", ("0", "1", "2"),
              rules=CellRules("categorical", integer_codes=True)),
    InputSpec("signed", "date", rules=CellRules("date", date_order="day first")),
)


def test_rules_round_trip_through_the_metadata():
    for spec in RULES:
        data = spec.to_dict()
        assert "reading" in data
        assert InputSpec.from_dict(data) == spec
    assert RULES[0].to_dict()["reading"]["decimal"] == ","
    assert RULES[1].to_dict()["reading"]["integer_codes"] is True
    assert "?" not in RULES[1].rules.missing_tokens  # a category, as the loader keeps it
    assert "?" in RULES[0].rules.missing_tokens


def test_a_model_without_rules_reads_back_without_them():
    data = InputSpec("x", "numeric").to_dict()
    assert "reading" not in data and InputSpec.from_dict(data).rules is None


def test_the_card_states_the_rules_in_words():
    metadata = ModelMetadata(name="m", task="regression", inputs=RULES, outputs=("variable",))
    card = model_card(metadata, parity="ok", files={})
    section = card[card.index("### How each cell is read"):]
    assert "decimal mark ','" in section and "'.' between thousands" in section
    assert "1.0 is '1'" in section and "day first" in section
    assert "exactly as written" in section and "any case" in section
