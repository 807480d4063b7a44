"""`reply`: answering a message of the dashboard, against the real portal — the text as an
argument or on stdin, the one sentence for an empty one, the limit, an unknown message, and
a portal that takes no answers."""

from __future__ import annotations

import io

import pytest

from famille_tui.api import Dashboard, Reply
from famille_tui.cli import build_parser
from famille_tui.commands import run_command
from famille_tui.portal.launcher import PortalProcess
from tests.cli.conftest import Cli
from tests.support import CHAMBON
from tests.support.connectors import NoReplies

SUBJECT = "Photos de l'atelier peinture"


def message_id(martin: Cli) -> int:
    dashboard = Dashboard.model_validate(martin("dashboard", "--json").json())
    return next(m.id for m in dashboard.messages if m.subject == SUBJECT)


def test_reply_with_the_text_or_from_stdin(martin: Cli) -> None:
    number = str(message_id(martin))
    table = martin("reply", number, "Merci, bien reçu.")
    assert table.code == 0, table.err
    assert table.out == "Réponse envoyée à Crèche Les Pirouettes.\n"
    sent = martin("reply", number, "--json", stdin="Bonjour,\nune question : …\n")
    assert sent.code == 0, sent.err
    reply = Reply.model_validate(sent.json())
    assert reply.text == "Bonjour,\nune question : …" and reply.message_id == int(number)
    rows = martin("reply", number, "Encore merci.", "--plain")
    assert rows.out.split("\t")[1:2] == [number]
    dashboard = Dashboard.model_validate(martin("dashboard", "--json").json())
    message = next(m for m in dashboard.messages if m.subject == SUBJECT)
    assert [r.text for r in message.replies] == [
        "Merci, bien reçu.", "Bonjour,\nune question : …", "Encore merci."]


@pytest.mark.parametrize(("text", "said"), [
    ("   ", "La réponse : ce champ est obligatoire."),
    ("x" * 2001, "La réponse : 2000 caractères au plus (votre texte en compte 2001)."),
])
def test_a_reply_the_portal_would_refuse_is_said_before_login(
    martin: Cli, text: str, said: str
) -> None:
    # No password given: the text is judged before any login is tried.
    result = martin("reply", "1", stdin=text, password=None)
    assert result.code == 2
    assert result.err_lines == [f"famille-tui : {said}"]


def test_an_unknown_message_or_number(martin: Cli) -> None:
    unknown = martin("reply", "999999", "Bonjour")
    assert unknown.code == 1
    assert unknown.err_lines == ["famille-tui : Ce message n'existe pas."]
    wrong = martin("reply", "douze", "Bonjour")
    assert wrong.code == 2
    assert "numéro de message attendu" in wrong.err


def test_a_portal_without_answers_says_so(portal: PortalProcess,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAMILLE_TUI_PASSWORD", "demo-martin")
    args = build_parser().parse_args(["--portal", portal.base_url(CHAMBON), "--login",
                                      "martin", "reply", "1", "Bonjour"])
    out, err = io.StringIO(), io.StringIO()
    made: list[NoReplies] = []
    code = run_command(args, stdout=out, stderr=err, connector_factory=NoReplies.factory(made))
    assert code == 1
    assert err.getvalue() == "famille-tui : La réponse aux messages : non proposé par ce portail.\n"
    assert not [r for r in made[0].requests if r.endswith("/reply")]
