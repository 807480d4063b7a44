"""The client against a portal that attacks it on the wire, over real loopback sockets
(tests/faults/hostile.py): a decompression bomb, an answer trickled one byte at a time, a
long poll answered at once for ever. Each test reproduces one finding of the outside
attack (issue 12); the README's « Faults survived » lists what each defends.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from famille_tui.client import PortalClient, PortalProtocolError, PortalTimeout
from famille_tui.client.payments import wait_for_payment
from famille_tui.portal.launcher import PortalProcess
from tests.faults.hostile import Fault, HostileServer, _Handler
from tests.support import CHAMBON

BOMB_DECODED = 512 * 1024 * 1024


def _gzip(chunks: Iterator[bytes]) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: the gzip format
    return b"".join(packer.compress(c) for c in chunks) + packer.flush()


def _encode(content: bytes, encoding: str) -> bytes:
    """`content` with each coding of `Content-Encoding: encoding` applied, in its order."""
    for step in [s.strip() for s in encoding.split(",")]:
        if step == "gzip":
            content = _gzip(iter([content]))
        elif step == "deflate":
            content = zlib.compress(content)
    return content


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """512 MiB of zeros, gzipped twice: `Content-Encoding: gzip, gzip` (a few hundred bytes)."""
    inner = _gzip(bytes(1024 * 1024) for _ in range(BOMB_DECODED // (1024 * 1024)))
    outer = _gzip(iter([inner]))
    assert len(outer) < 4096
    return outer


def encoded(content: bytes, encoding: str) -> Fault:
    def fault(handler: _Handler, body: bytes) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Encoding", encoding)
        handler.send_header("Content-Length", str(len(content)))
        handler.end_headers()
        handler.wfile.write(content)
    return fault


@pytest.fixture
def hostile(portal: PortalProcess) -> Iterator[HostileServer]:
    server = HostileServer(upstream=portal.origin)
    try:
        yield server
    finally:
        server.close()


def _cli_peak_rss(url: str, *args: str) -> tuple[int, str, int]:
    """`famille-tui --portal URL --login martin ARGS` in its own process: exit status,
    stderr, and the process's peak resident memory in bytes."""
    process = subprocess.Popen(
        [sys.executable, "-m", "famille_tui", "--portal", url, "--login", "martin", *args],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**os.environ, "FAMILLE_TUI_PASSWORD": "demo-martin"},
    )
    assert process.stderr is not None
    err = process.stderr.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, err, usage.ru_maxrss * 1024  # ru_maxrss is in KiB on Linux


def test_a_gzip_gzip_bomb_is_cut_on_decoded_bytes_without_the_memory(
    hostile: HostileServer, bomb: bytes
) -> None:
    url = hostile.base_url(CHAMBON)
    code, err, normal = _cli_peak_rss(url, "invoices")
    assert code == 0, err
    hostile.faults["GET invoices"] = encoded(bomb, "gzip, gzip")
    code, err, bombed = _cli_peak_rss(url, "invoices")
    assert code != 0
    assert "volumineuse" in err and "Traceback" not in err, err
    # Was 2 GiB for a 2 GiB bomb: the 5 MiB limit acted only after it was all decoded.
    assert bombed - normal < 16 * 1024 * 1024, (normal, bombed)


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "gzip, deflate", "identity, gzip"])
async def test_every_encoding_chain_is_decoded_and_limited(
    hostile: HostileServer, encoding: str
) -> None:
    document = json.dumps({"id": 1, "name": "Famille Martin", "adults": [], "children": []})
    hostile.faults["GET family"] = encoded(_encode(document.encode(), encoding), encoding)
    async with PortalClient(hostile.base_url(CHAMBON)) as client:
        await client.login("martin", "demo-martin")
        assert (await client.family()).name == "Famille Martin"
        big = b'{"pad": "' + b" " * (6 * 1024 * 1024) + b'"}'
        chain = "gzip, " + encoding
        hostile.faults["GET family"] = encoded(_encode(big, chain), chain)
        with pytest.raises(PortalProtocolError, match="volumineuse"):
            await client.family()


async def test_an_unknown_encoding_is_refused_with_a_sentence(hostile: HostileServer) -> None:
    hostile.faults["GET family"] = encoded(b"\x00" * 100, "compress")
    async with PortalClient(hostile.base_url(CHAMBON)) as client:
        await client.login("martin", "demo-martin")
        with pytest.raises(PortalProtocolError) as caught:
            await client.family()
    assert "portail" in caught.value.message


def trickle(every: float, stop: threading.Event) -> Fault:
    """An answer that never ends: one byte of it every `every` seconds."""
    def fault(handler: _Handler, body: bytes) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", "1000000")
        handler.end_headers()
        handler.wfile.flush()
        while not stop.is_set():
            try:
                handler.wfile.write(b" ")
                handler.wfile.flush()
            except OSError:
                return
            stop.wait(every)
        handler.close_connection = True
    return fault


async def test_a_portal_trickling_bytes_meets_the_overall_deadline(
    hostile: HostileServer,
) -> None:
    stop = threading.Event()
    hostile.faults["GET invoices"] = trickle(0.5, stop)
    try:
        # Each byte comes well within the 1 s read timeout; the whole call may take 3 × it.
        async with PortalClient(hostile.base_url(CHAMBON), timeout=1.0) as client:
            await client.login("martin", "demo-martin")
            start = time.monotonic()
            with pytest.raises(PortalTimeout) as caught:
                await asyncio.wait_for(client.invoices(), 30)  # was: for ever
            elapsed = time.monotonic() - start
    finally:
        stop.set()
    assert 2.5 < elapsed < 6, elapsed
    assert "trop de temps" in caught.value.message


def _pending(payment_id: str) -> bytes:
    return json.dumps({
        "id": payment_id, "status": "pending", "amount_cents": 4250, "invoice_ids": [3],
        "reference": "2026100042",
        "payment_url": "https://www.payfip.gouv.fr/tpa/paiement.web?numcli=123456",
        "created_at": "2026-10-01T10:00:00Z", "expires_at": "2026-10-01T10:15:00Z",
    }).encode()


async def test_a_long_poll_answered_at_once_is_not_polled_in_a_loop(tmp_path: Path) -> None:
    seen: list[float] = []

    def at_once(handler: _Handler, body: bytes) -> None:
        seen.append(time.monotonic())
        handler.send(200, _pending("pay-1"))

    server = HostileServer()
    server.faults["GET payments/pay-1"] = at_once
    try:
        async with PortalClient(server.base_url(CHAMBON)) as client:
            last = await wait_for_payment(client, "pay-1", max_seconds=8)
    finally:
        server.close()
    assert last.status.value == "pending"
    # Was ≈ 20 requests a second: now at 0 and 5 s, the next one 15 s after (past the end).
    assert len(seen) == 2, seen
    assert seen[1] - seen[0] >= 4.9
