"""The portal's accounts under attack, as an attacker on loopback would try them: bursts of
guesses sent at once on raw sockets, logins probed through every call that takes one, the
time of an answer measured, made-up logins by the thousand.

Each test reproduces one finding of the outside attack (issue 12) against the real portal
process; the README's « Faults survived » lists what each defends.
"""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import statistics
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from famille_tui.portal.launcher import PortalProcess
from tests.portal.helpers import Api, db_rows, error_of
from tests.support import CHAMBON, start_test_portal


def burst(portal: PortalProcess, path: str, bodies: Sequence[dict[str, Any]]) -> list[int]:
    """POST every body at once, each on its own connection, in the order given: every
    request is written before any answer is read (and the last one after all the others,
    which is where an attacker puts the guess that matters). The statuses, in order."""
    parts = urlsplit(portal.origin)
    target = f"/{CHAMBON}/api/v1/{path}"
    sockets = [socket.create_connection((parts.hostname, parts.port)) for _ in bodies]
    try:
        for sock, body in zip(sockets, bodies, strict=True):
            data = json.dumps(body).encode()
            sock.sendall(
                f"POST {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
                "Connection: close\r\n\r\n".encode() + data
            )
        statuses = []
        for sock in sockets:
            sock.settimeout(120)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
            match = re.match(rb"HTTP/1\.1 (\d{3}) ", answer)
            assert match, answer[:200]
            statuses.append(int(match.group(1)))
        return statuses
    finally:
        for sock in sockets:
            sock.close()


# --- lockout and reset codes under concurrency ---------------------------------------------


def test_59_wrong_passwords_and_the_right_one_at_once_do_not_log_in(
    portal: PortalProcess,
) -> None:
    guesses = [{"login": "martin", "password": f"faux-{i}"} for i in range(59)]
    statuses = burst(portal, "session", [*guesses, {"login": "martin", "password": "demo-martin"}])
    assert 201 not in statuses
    # At most five passwords were checked: four wrong ones say how many tries are left, the
    # fifth locks, every other one is refused unchecked.
    assert statuses.count(401) <= 4
    assert set(statuses) <= {401, 429}
    # The lock reached holds: the right password alone, now, is still refused.
    with Api(portal) as api:
        locked = api.post("session", json={"login": "martin", "password": "demo-martin"})
    assert locked.status_code == 429
    assert error_of(locked)["code"] == "account_locked"


def test_the_fifth_try_may_still_be_the_right_one(portal: PortalProcess) -> None:
    """The check-and-count up front must not cost a parent the last of their five tries."""
    with Api(portal) as api:
        for i in range(4):
            assert api.post(
                "session", json={"login": "martin", "password": f"faux-{i}"}
            ).status_code == 401
        assert api.post(
            "session", json={"login": "martin", "password": "demo-martin"}
        ).status_code == 201
        # The success starts the count again.
        wrong = api.post("session", json={"login": "martin", "password": "faux"})
    assert "Il reste 4 essais" in error_of(wrong)["message"]


def _reset_code(api: Api, login: str) -> str:
    assert api.post("password-reset", json={"login": login}).status_code == 202
    mail = next(m for m in reversed(api.outbox()) if f"Identifiant : {login}" in m["body"])
    code = re.search(r"Code : (\d+)", mail["body"])
    assert code, mail["body"]
    return code.group(1)


def test_wrong_reset_codes_at_once_count_as_what_they_are(portal: PortalProcess) -> None:
    with Api(portal) as api:
        code = _reset_code(api, "durand")
    wrong = [f"{(int(code) + i) % 10**8:08d}" for i in range(1, 24)]
    bodies = [{"login": "durand", "code": c, "new_password": "Nouveau2026"}
              for c in [*wrong, code]]
    statuses = burst(portal, "password-reset/confirm", bodies)
    # Only five codes were compared: the right one, sent last, comes too late.
    assert statuses == [400] * 24
    assert db_rows(portal, "SELECT attempts FROM reset_codes r JOIN accounts a"
                   " ON a.id = r.account_id WHERE a.login = 'durand' AND a.commune = ?",
                   CHAMBON) == [(5,)]
    with Api(portal) as api:
        late = api.post("password-reset/confirm", json={
            "login": "durand", "code": code, "new_password": "Nouveau2026"})
        assert late.status_code == 400
        assert api.post(
            "session", json={"login": "durand", "password": "demo-durand"}
        ).status_code == 201


# --- one answer for every login-revealing call ----------------------------------------------


ACTIVATION = {"temporary_password": "abcd-efgh-jkmn", "new_password": "Nouveau2026"}


def test_activation_answers_an_activated_login_like_an_unknown_one(
    portal: PortalProcess,
) -> None:
    with Api(portal) as api:
        activated = api.post("activation", json={"login": "martin", **ACTIVATION})
        unknown = api.post("activation", json={"login": "personne-ici", **ACTIVATION})
    assert activated.status_code == unknown.status_code == 400
    assert activated.json() == unknown.json()
    assert error_of(activated)["code"] == "invalid_activation"


def test_activation_failures_count_towards_the_lock(portal: PortalProcess) -> None:
    with Api(portal) as api:
        statuses = [
            api.post("activation", json={"login": "martin", **ACTIVATION}).status_code
            for _ in range(5)
        ]
        assert statuses == [400, 400, 400, 400, 429]
        # The same lock as the login's.
        assert api.post(
            "session", json={"login": "martin", "password": "demo-martin"}
        ).status_code == 429


def test_a_password_reset_takes_the_same_time_for_a_real_and_a_made_up_login(
    portal: PortalProcess,
) -> None:
    """Measured: each real login's first reset (the one that writes a code and an e-mail)
    against as many made-up logins, interleaved so that the machine's load hits both."""
    real = ["martin", "durand", "bernard"]
    made_up = ["marton", "dupond", "bertrand"]
    times: dict[str, list[float]] = {"real": [], "made_up": []}
    with Api(portal) as api:
        api.post("password-reset", json={"login": "chauffe"})  # the first call warms up
        for mine, other in zip(real, made_up, strict=True):
            for kind, login in (("real", mine), ("made_up", other)):
                start = time.perf_counter()
                assert api.post("password-reset", json={"login": login}).status_code == 202
                times[kind].append(time.perf_counter() - start)
        mails = [m for m in api.outbox() if "réinitialisation" in m["subject"]]
    assert len(mails) == 3  # the real work was done for each real login
    real_median = statistics.median(times["real"])
    made_up_median = statistics.median(times["made_up"])
    # Was ≈ 1.5 ×; now the answer waits for the same fixed time whatever was done.
    assert abs(real_median - made_up_median) < 0.1 * made_up_median, times


# --- what anonymous requests leave behind -----------------------------------------------------


@pytest.fixture
def short_memory_portal(
    tmp_path: Path, demo_database: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[PortalProcess]:
    """Failed logins are forgotten after 2 s without a new one (15 minutes by default)."""
    monkeypatch.setenv("FAMILLE_TUI_PORTAL_FAILURE_WINDOW", "2")
    process = start_test_portal(tmp_path / "portal", demo_database)
    try:
        yield process
    finally:
        process.stop()


def test_failures_of_made_up_logins_are_purged(short_memory_portal: PortalProcess) -> None:
    with Api(short_memory_portal) as api:
        for i in range(30):
            api.post("session", json={"login": f"invente-{i}", "password": "x"})
        # (Some may already be forgotten: 30 password checks can take more than 2 s.)
        assert db_rows(short_memory_portal, "SELECT COUNT(*) FROM login_failures")[0][0] > 0
        time.sleep(2.2)  # the window itself is what is tested
        api.post("session", json={"login": "encore-un", "password": "x"})
    assert db_rows(short_memory_portal, "SELECT login FROM login_failures") == [("encore-un",)]


def test_repeated_resets_keep_one_e_mail_per_account(portal: PortalProcess) -> None:
    """Only the last reset code works: the older e-mails, which carry dead codes, go."""
    with Api(portal) as api:
        before = len(api.outbox())
        _reset_code(api, "martin")
        # The resend delay keeps the second from being sent at once: move the first back.
        assert db_rows(portal, "SELECT COUNT(*) FROM reset_codes") == [(1,)]
        conn = sqlite3.connect(portal.data_path)
        try:
            conn.execute("UPDATE reset_codes SET expires_at = expires_at - 120")
            conn.commit()
        finally:
            conn.close()
        code = _reset_code(api, "martin")
        mails = api.outbox()[before:]
    assert len(mails) == 1 and f"Code : {code}" in mails[0]["body"]
