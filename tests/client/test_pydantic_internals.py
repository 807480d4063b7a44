"""`portal_client.without_terminal_controls` cleans a just-parsed (frozen) model in place by
writing its `__dict__` (parsing again would double the cost of every answer): this fails
loudly if the pinned pydantic stops keeping a model's fields there."""

from __future__ import annotations

from datetime import date

from famille_tui.api import Child
from famille_tui.client.portal_client import without_terminal_controls


def test_a_frozen_model_is_cleaned_in_place() -> None:
    child = Child(id=1, first_name="Léa\x1b[2J", last_name="Martin",
                  birth_date=date(2025, 5, 10), structure="Crèche\x9b")
    cleaned = without_terminal_controls(child)
    assert cleaned is child
    assert child.first_name == "Léa␛[2J" and child.structure == "Crèche\ufffd"
    assert child.model_dump()["first_name"] == "Léa␛[2J"
    assert Child.model_validate(child.model_dump()) == child
