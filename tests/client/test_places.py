"""Commune names after « de » / « à »: French contracts « de Le » and « à Les »."""

from __future__ import annotations

import pytest

from famille_tui.client.display import at_place, of_place
from famille_tui.portal.demo import COMMUNES, activation_mail


@pytest.mark.parametrize(("name", "of", "at"), [
    ("Le Chambon-Feugerolles", "du Chambon-Feugerolles", "au Chambon-Feugerolles"),
    ("Les Ulis", "des Ulis", "aux Ulis"),
    ("La Talaudière", "de La Talaudière", "à La Talaudière"),
    ("Chaponost", "de Chaponost", "à Chaponost"),
    ("Annecy", "d'Annecy", "à Annecy"),
    ("Écully", "d'Écully", "à Écully"),
    ("Le Puy-en-Velay", "du Puy-en-Velay", "au Puy-en-Velay"),
    ("Hazebrouck", "de Hazebrouck", "à Hazebrouck"),
])
def test_de_and_a_before_a_commune(name: str, of: str, at: str) -> None:
    assert of_place(name) == of
    assert at_place(name) == at


def test_the_demo_activation_mail_says_du_chambon() -> None:
    chambon = next(c for c in COMMUNES if c.name == "Le Chambon-Feugerolles")
    mail = activation_mail(chambon, "bernard", "x")
    assert "sur le portail du Chambon-Feugerolles." in mail
    assert "de Le " not in mail


def test_every_euro_sign_the_program_writes_follows_a_no_break_space() -> None:
    """« 4,32 € » with an ordinary space wraps as « 4,32 » / « € » in a narrow terminal;
    every string of the program (docstrings aside) keeps the amount with its sign."""
    import ast
    import re
    from pathlib import Path

    import famille_tui

    root = Path(famille_tui.__file__).parent
    found = []
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef
                                    | ast.AsyncFunctionDef)
                      and node.body and isinstance(node.body[0], ast.Expr)}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and id(node) not in docstrings and re.search(r"[\d)}] €", node.value)):
                found.append(f"{path.relative_to(root)}:{node.lineno}")
    assert found == []
