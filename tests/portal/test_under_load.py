"""What keeps the portal fast with many clients (the load row of issue 8), checked for
behaviour: sessions are not rewritten on every request yet still expire when idle, old
password hashes are upgraded at login, logins do not hold up other requests, and the
long-poll registry forgets payments nobody waits on any more."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from famille_tui.portal import security
from famille_tui.portal.context import PaymentWatch, SessionClock
from famille_tui.portal.launcher import PortalProcess
from tests.portal.helpers import Api, db_rows, error_of
from tests.support import start_test_portal


def last_used(portal: PortalProcess, token: str) -> float:
    rows = db_rows(portal, "SELECT last_used_at FROM sessions WHERE token_hash = ?",
                   security.digest(token))
    return float(rows[0][0])


def token_of(api: Api) -> str:
    return str(api.headers["Authorization"]).removeprefix("Bearer ")


def test_requests_do_not_rewrite_the_session_each_time(portal: PortalProcess) -> None:
    """With the 30-minute idle timeout, the row is written at most once a minute."""
    with Api(portal).login("martin") as api:
        written = last_used(portal, token_of(api))
        for _ in range(5):
            assert api.get("family").status_code == 200
            assert api.get("payments/pay_unknown", params={"wait": 0}).status_code == 404
        assert last_used(portal, token_of(api)) == written


@pytest.fixture(scope="module")
def idle_portal(tmp_path_factory: pytest.TempPathFactory,
                demo_database: Path) -> Iterator[PortalProcess]:
    """Sessions expire after 2 s idle: the row is then written at most every 0.2 s."""
    process = start_test_portal(tmp_path_factory.mktemp("idle"), demo_database,
                                idle_timeout=2)
    try:
        yield process
    finally:
        process.stop()


def test_a_session_in_use_lives_past_the_idle_timeout_then_expires(
    idle_portal: PortalProcess,
) -> None:
    with Api(idle_portal).login("martin") as api:
        started = time.monotonic()
        while time.monotonic() - started < 4.5:  # more than twice the idle timeout
            assert api.get("family").status_code == 200
            time.sleep(0.5)  # a person's pace of use: the behaviour under test
        # Written lazily, but written: the row has followed the use.
        assert time.time() - last_used(idle_portal, token_of(api)) < 1.5
        time.sleep(2.6)  # idle past the 2 s timeout: the behaviour under test
        expired = api.get("family")
    assert expired.status_code == 401
    assert error_of(expired)["code"] == "session_expired"


def test_session_clock_writes_rarely_and_never_lets_a_session_outlive_its_timeout() -> None:
    clock = SessionClock(idle_timeout=1800)
    assert clock.flush_every == 60
    assert not clock.needs_write(stored=1000.0, current=1030.0)  # 30 s behind: not written
    assert clock.needs_write(stored=1000.0, current=1060.0)      # a minute behind: written
    assert not clock.expired(stored=1000.0, current=2800.0)
    assert clock.expired(stored=1000.0, current=2800.5)
    # A short timeout is followed closely: the row is at most a tenth of it behind.
    assert SessionClock(idle_timeout=2).flush_every == 0.2


def test_an_old_password_hash_is_upgraded_at_login(portal: PortalProcess) -> None:
    old = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1).hash("demo-martin")
    query = ("SELECT password_hash FROM accounts WHERE login = 'martin'"
             " AND commune = 'le-chambon-feugerolles'")
    with sqlite3.connect(portal.data_path) as conn:
        conn.execute("UPDATE accounts SET password_hash = ? WHERE login = 'martin'"
                     " AND commune = 'le-chambon-feugerolles'", (old,))
    assert security.needs_rehash(old)
    with Api(portal).login("martin"):  # the old hash still lets him in…
        pass
    upgraded = db_rows(portal, query)[0][0]
    assert upgraded != old  # … and is replaced by one with the current settings
    assert upgraded.startswith(
        f"$argon2id$v=19$m={security.MEMORY_COST_KIB},t={security.TIME_COST},p=1$")
    assert not security.needs_rehash(upgraded)
    with Api(portal).login("martin"):  # which lets him in too
        pass
    assert db_rows(portal, query)[0][0] == upgraded  # and is not rehashed again


def test_a_wrong_password_leaves_an_old_hash_alone(portal: PortalProcess) -> None:
    old = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1).hash("demo-durand")
    with sqlite3.connect(portal.data_path) as conn:
        conn.execute("UPDATE accounts SET password_hash = ? WHERE login = 'durand'"
                     " AND commune = 'le-chambon-feugerolles'", (old,))
    with Api(portal) as api:
        assert api.post("session", json={"login": "durand", "password": "nope1234"}
                        ).status_code == 401
    assert db_rows(portal, "SELECT password_hash FROM accounts WHERE login = 'durand'"
                   " AND commune = 'le-chambon-feugerolles'")[0][0] == old


def test_a_burst_of_logins_does_not_hold_up_other_requests(portal: PortalProcess) -> None:
    """60 logins sent at once queue in the password pool, not in the request threads: an
    invoice list sent in the middle of them does not wait for all of them."""
    with Api(portal).login("durand") as lister, ThreadPoolExecutor(60) as senders:
        sending: list[int] = []

        def one_login(number: int) -> float:
            with Api(portal) as api:
                sending.append(number)
                started = time.perf_counter()
                answer = api.post("session", json={"login": "martin",
                                                   "password": "demo-martin"})
                assert answer.status_code == 201
                return time.perf_counter() - started

        logins = senders.map(one_login, range(60))
        # The list goes in the middle of the burst: once every login is on its way.
        deadline = time.monotonic() + 30
        while len(sending) < 60:
            assert time.monotonic() < deadline, f"{len(sending)} logins sent"
            time.sleep(0.01)
        started = time.perf_counter()
        assert lister.get("invoices").status_code == 200
        list_time = time.perf_counter() - started
        slowest_login = max(logins)
    # The list does not queue behind the hashes (it would take about as long as the
    # slowest login if it did).
    assert list_time < slowest_login / 2, (list_time, slowest_login)


def test_the_watch_forgets_payments_nobody_waits_on() -> None:
    async def scenario() -> None:
        watch = PaymentWatch()
        watch.bind(asyncio.get_running_loop())
        # A waiter that times out leaves nothing behind.
        with watch.watching("pay_a") as event, pytest.raises(TimeoutError):
            await asyncio.wait_for(event.wait(), 0.01)
        assert watch.watched() == 0
        # Two waiters share one event; a change wakes both, and then nothing is left.
        woken: list[str] = []

        async def wait(name: str) -> None:
            with watch.watching("pay_b") as event:
                await event.wait()
                woken.append(name)

        tasks = [asyncio.ensure_future(wait(n)) for n in ("one", "two")]
        await asyncio.sleep(0)  # one turn of the loop (not a wait on time): both wait now
        assert watch.watched() == 1
        watch.changed("pay_b")
        await asyncio.wait_for(asyncio.gather(*tasks), 1)
        assert sorted(woken) == ["one", "two"] and watch.watched() == 0
        # A change from a worker thread reaches the loop too.
        with watch.watching("pay_c") as event:
            await asyncio.get_running_loop().run_in_executor(None, watch.changed, "pay_c")
            await asyncio.wait_for(event.wait(), 1)
        assert watch.watched() == 0

    asyncio.run(scenario())


def test_answers_on_a_kept_alive_connection_are_not_held_back(portal: PortalProcess) -> None:
    """Nagle's algorithm is off on the portal's connections: otherwise each answer after the
    first on a kept-alive connection waits for the client's delayed ACK (40 ms on Linux)."""
    with Api(portal).login("durand") as api:
        times = []
        for _ in range(11):
            started = time.perf_counter()
            assert api.get("invoices").status_code == 200
            times.append(time.perf_counter() - started)
    assert sorted(times)[5] < 0.030, times
