"""Every time shown is Paris time, on a machine whose clock is UTC (issue 19, bug 11: the
confirmation e-mail gave 18:13 in its header and 19 h 13 in its body).

The portal and its PayFiP stand-in run with `TZ=UTC`; this process too, for the faces'
helpers (the `commands` tables, the TUI's message, the screen-reader face's words)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from famille_tui.api.clock import paris, when_text
from famille_tui.portal.launcher import PortalProcess
from tests.portal.helpers import Api
from tests.support import start_test_portal
from tests.support.sandbox import page_text, pay_in_sandbox, standin_outbox

EMAIL = "claire.martin@exemple.fr"


@pytest.fixture
def utc_machine(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    assert datetime.now().astimezone().utcoffset() == datetime.now(UTC).utcoffset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def utc_portal(tmp_path: Path, demo_database: Path, utc_machine: None) -> Iterator[PortalProcess]:
    process = start_test_portal(tmp_path / "utc", demo_database, env={"TZ": "UTC"})
    try:
        yield process
    finally:
        process.stop()


def _hours(text: str) -> list[str]:
    """Every « 19 h 13 » and « 18:13 » of a text."""
    return re.findall(r"\b\d{1,2} h \d{2}\b|\b\d{2}:\d{2}\b", text)


def test_the_confirmation_email_gives_paris_time_in_header_and_body(
    utc_portal: PortalProcess,
) -> None:
    with Api(utc_portal).login("martin") as martin:
        invoice = martin.invoice_by_number("2026100042")
        answer = martin.post("payments", json={"invoice_ids": [invoice["id"]], "email": EMAIL})
        assert answer.status_code == 201, answer.text
        url = answer.json()["payment_url"]
        shown = page_text(pay_in_sandbox(url))
        mail = standin_outbox(url)[-1]
    sent = datetime.fromisoformat(mail["sent_at"])
    local = paris(sent)
    # Paris is never UTC: a time in UTC would be another hour.
    assert local.utcoffset() in (timedelta(hours=1), timedelta(hours=2))
    paris_hour = f"{local.hour} h {local.minute:02d}"
    assert _hours(mail["body"]) == [paris_hour]
    assert paris_hour in shown
    parts = urlsplit(url)
    with httpx.Client(trust_env=False) as browser:
        outbox = page_text(browser.get(f"{parts.scheme}://{parts.netloc}/outbox").text)
    assert f"Envoyé le {when_text(sent)}" in outbox
    assert set(_hours(outbox)) == {paris_hour}, outbox  # header and body: one time


def test_the_portals_outbox_gives_paris_time(utc_portal: PortalProcess) -> None:
    with Api(utc_portal).login("martin") as martin:
        mails = martin.get("demo/outbox").json()
        with httpx.Client(trust_env=False) as browser:
            html = browser.get(utc_portal.base_url("le-chambon-feugerolles") + "outbox").text
    assert mails
    text = page_text(html)
    for mail in mails:
        assert f"Envoyé le {when_text(datetime.fromisoformat(mail['sent_at']))}" in text
    assert "(UTC)" not in text and "heure de Paris" in text


def test_the_faces_give_paris_time_on_a_utc_machine(utc_machine: None) -> None:
    from famille_tui.api import Message
    from famille_tui.commands.output import fr_date
    from famille_tui.plain.dashboard import message_words
    from famille_tui.tui.screens.message import message_when

    sent = datetime(2026, 12, 3, 18, 13, tzinfo=UTC)  # 19 h 13 in Paris (winter)
    assert fr_date(sent) == "03/12/2026 19:13"
    message = Message(id=1, sent_at=sent, sender="Crèche", subject="Bonjour", body="…",
                      read=False)
    assert message_when(message) == "03/12/2026 à 19 h 13"
    late = message.model_copy(update={"sent_at": datetime(2026, 12, 3, 23, 30, tzinfo=UTC)})
    assert "4 décembre" in message_words(late)  # already the next day in Paris
