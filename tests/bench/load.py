"""The portal under load, from a second process on loopback (`python tests/bench/load.py`).

    load.py ORIGIN --waiters 300 --logins 20 --lists 50 --duration 60

Set-up (not measured): `--waiters` sessions of martin at Le Chambon-Feugerolles, each with a
pending payment of its own (the bench gave martin one invoice per waiter). Then, for
`--duration` seconds, at once:
- every waiter long-polls its payment (`GET payments/{id}?wait=25`), again and again, each
  with an HTTP client of its own (see `waiter`);
- `--logins` logins a second (`POST session`, martin and durand of both communes in turn);
- `--lists` invoice lists a second (`GET invoices` of durand, an ordinary family, on
  sessions opened in the set-up).
The rates are open-loop: a request leaves on time whether or not the previous one answered.
Only 127.0.0.1 is ever contacted, the number of requests is bounded by the rates and the
duration, and every request has a timeout. Prints one JSON line: counts, errors (with a few
examples), and the latencies of the non-waiting calls.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any
from urllib.parse import urlsplit

import httpx

CHAMBON = "le-chambon-feugerolles"
ACCOUNTS = [(CHAMBON, "martin", "demo-martin"), (CHAMBON, "durand", "demo-durand"),
            ("chaponost", "martin", "demo-martin"), ("chaponost", "durand", "demo-durand")]


class Stats:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = {"login": [], "list": [], "wait": []}
        self.errors: list[str] = []
        self.sent = 0

    def record(self, kind: str, started: float, ok: bool, what: str = "") -> None:
        self.latencies[kind].append(time.perf_counter() - started)
        if not ok:
            self.errors.append(f"{kind}: {what}"[:200])


async def login(client: httpx.AsyncClient, origin: str, commune: str, name: str,
                password: str) -> str:
    answer = await client.post(f"{origin}/{commune}/api/v1/session",
                               json={"login": name, "password": password})
    answer.raise_for_status()
    return str(answer.json()["token"])


async def set_up(client: httpx.AsyncClient, origin: str, waiters: int,
                 invoice_ids: list[int]) -> tuple[list[tuple[str, str]], list[str]]:
    """Sessions and pending payments for the waiters; a few sessions for the lists."""
    semaphore = asyncio.Semaphore(4)

    async def one(invoice_id: int) -> tuple[str, str]:
        async with semaphore:
            token = await login(client, origin, CHAMBON, "martin", "demo-martin")
            answer = await client.post(
                f"{origin}/{CHAMBON}/api/v1/payments",
                json={"invoice_ids": [invoice_id], "email": "claire.martin@example.fr"},
                headers={"Authorization": f"Bearer {token}",
                         "Idempotency-Key": f"load-{invoice_id}"},
            )
            answer.raise_for_status()
            return token, str(answer.json()["id"])

    pairs = await asyncio.gather(*(one(i) for i in invoice_ids[:waiters]))
    # The lists are durand's: a family of ordinary size (martin was given one invoice per
    # waiter, which would make every list hundreds of invoices long).
    list_tokens = [await login(client, origin, CHAMBON, "durand", "demo-durand")
                   for _ in range(10)]
    return list(pairs), list_tokens


def waiter_client() -> httpx.AsyncClient:
    """Made during the set-up: making an httpx client costs milliseconds (SSL context)."""
    return httpx.AsyncClient(limits=httpx.Limits(max_connections=1),
                             timeout=httpx.Timeout(10.0, read=40.0), trust_env=False)


async def waiter(client: httpx.AsyncClient, origin: str, token: str, payment_id: str,
                 stop: float, stats: Stats) -> None:
    """One parent waiting on a payment, with an HTTP client of its own (one connection), as
    300 TUIs on 300 machines would have. One client shared by 300 waiters and the timed
    calls measured httpx instead of the portal: its pool scans every connection for every
    request and every answer (quadratic in the number of connections), and under a wave of
    long polls the load process itself fell behind by tens of seconds."""
    url = f"{origin}/{CHAMBON}/api/v1/payments/{payment_id}"
    async with client:
        while time.monotonic() < stop:
            started = time.perf_counter()
            stats.sent += 1
            try:
                answer = await client.get(url, params={"wait": 25},
                                          headers={"Authorization": f"Bearer {token}"})
                ok = answer.status_code == 200 and answer.json()["status"] == "pending"
                stats.record("wait", started, ok, f"{answer.status_code} {answer.text[:80]}")
            except httpx.HTTPError as error:
                stats.record("wait", started, False, repr(error))
                await asyncio.sleep(1)


async def paced(rate: float, stop: float, make: Any, tasks: set[asyncio.Task[None]]) -> None:
    """Start `make(n)` `rate` times a second until `stop`, on a fixed schedule."""
    start = time.monotonic()
    n = 0
    while True:
        due = start + n / rate
        if due >= stop:
            return
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        task = asyncio.ensure_future(make(n))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        n += 1


async def run(args: argparse.Namespace) -> dict[str, Any]:
    origin = args.origin.rstrip("/")
    if urlsplit(origin).hostname != "127.0.0.1":
        raise SystemExit("load.py ne parle qu'à 127.0.0.1")
    # The set-up and the timed calls (logins, lists) share this client; each waiter has its own.
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=400)
    timeout = httpx.Timeout(10.0, read=40.0)
    async with httpx.AsyncClient(limits=limits, timeout=timeout, trust_env=False) as client:
        invoice_ids = json.loads(args.invoice_ids)
        pairs, list_tokens = await set_up(client, origin, args.waiters, invoice_ids)
        clients = [waiter_client() for _ in pairs]
        stats = Stats()
        begin_wall = time.time()
        begin = time.monotonic()
        stop = begin + args.duration
        tasks: set[asyncio.Task[None]] = set()
        for own, (token, payment_id) in zip(clients, pairs, strict=True):
            task = asyncio.ensure_future(waiter(own, origin, token, payment_id, stop, stats))
            tasks.add(task)
        # All the waiters are connected before the timed calls begin.
        await asyncio.sleep(2.0)

        async def one_login(n: int) -> None:
            commune, name, password = ACCOUNTS[n % len(ACCOUNTS)]
            started = time.perf_counter()
            stats.sent += 1
            try:
                answer = await client.post(f"{origin}/{commune}/api/v1/session",
                                           json={"login": name, "password": password})
                stats.record("login", started, answer.status_code == 201,
                             f"{answer.status_code} {answer.text[:80]}")
            except httpx.HTTPError as error:
                stats.record("login", started, False, repr(error))

        async def one_list(n: int) -> None:
            token = list_tokens[n % len(list_tokens)]
            started = time.perf_counter()
            stats.sent += 1
            try:
                answer = await client.get(f"{origin}/{CHAMBON}/api/v1/invoices",
                                          headers={"Authorization": f"Bearer {token}"})
                stats.record("list", started, answer.status_code == 200,
                             f"{answer.status_code} {answer.text[:80]}")
            except httpx.HTTPError as error:
                stats.record("list", started, False, repr(error))

        await asyncio.gather(
            paced(args.logins, stop, one_login, tasks),
            paced(args.lists, stop, one_list, tasks),
        )
        # The last timed calls and the waiters' current long polls end on their own.
        await asyncio.wait_for(asyncio.gather(*list(tasks), return_exceptions=True), 60)
        elapsed = time.monotonic() - begin
    return {
        "begin_wall": begin_wall,
        "elapsed": elapsed,
        "sent": stats.sent,
        "counts": {k: len(v) for k, v in stats.latencies.items()},
        "errors": len(stats.errors),
        "error_examples": stats.errors[:5],
        "login": stats.latencies["login"],
        "list": stats.latencies["list"],
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("origin")
    parser.add_argument("--invoice-ids", required=True, help="JSON list, one per waiter")
    parser.add_argument("--waiters", type=int, default=300)
    parser.add_argument("--logins", type=float, default=20)
    parser.add_argument("--lists", type=float, default=50)
    parser.add_argument("--duration", type=float, default=60)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
