"""Starting the portal: the launcher, `famille-tui serve`'s output, the pages for people,
and `famille-tui demo`'s background portal."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import httpx
from pydantic import BaseModel

from famille_tui.portal.launcher import (
    DEMO_DIALECTS,
    PortalProcess,
    ensure_demo_portal,
    start_portal,
    stop_demo_portal,
)
from tests.portal.helpers import Api


def test_communes_openapi_and_pages_for_people(portal: PortalProcess) -> None:
    with httpx.Client(base_url=portal.origin, trust_env=False) as client:
        communes = client.get("/communes").json()
        assert communes == [
            {"slug": "chaponost", "name": "Chaponost",
             "base_url": f"{portal.origin}/chaponost/"},
            {"slug": "le-chambon-feugerolles", "name": "Le Chambon-Feugerolles",
             "base_url": f"{portal.origin}/le-chambon-feugerolles/"},
        ]
        paths = client.get("/openapi.json").json()["paths"]
        assert "/{commune}/api/v1/payments/{payment_id}" in paths
        assert "/{commune}/api/v1/demo/outbox" in paths
        reply = paths["/{commune}/api/v1/messages/{message_id}/reply"]["post"]
        assert set(reply["responses"]) >= {"201", "422"}
        assert reply["requestBody"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ReplyCreate"}
        home = client.get("/")
        assert home.status_code == 200 and "text/html" in home.headers["content-type"]
        assert "/le-chambon-feugerolles/outbox" in home.text and "4111 1111 1111 1111" in home.text
        outbox = client.get("/le-chambon-feugerolles/outbox")
        assert outbox.status_code == 200
        assert "Activation de votre Espace famille" in outbox.text
        assert "mot de passe provisoire" in outbox.text


def test_serve_prints_the_base_urls_and_restart_keeps_data_and_port(
    tmp_path: Path, demo_database: Path
) -> None:
    process = start_portal(tmp_path / "data" / "p.sqlite3")
    try:
        log = process.log_text().splitlines()
        assert log[0] == f"Portail famille : {process.origin}/"
        assert f"  Le Chambon-Feugerolles : {process.origin}/le-chambon-feugerolles/" in log
        assert f"  Chaponost : {process.origin}/chaponost/" in log
        with Api(process).login("martin") as api:
            api.post("entourage", json={"first_name": "Lou", "last_name": "Petit",
                                        "relationship": "Voisine", "phones": ["0601020304"]})
        origin = process.origin
        process.restart()
        assert process.origin == origin
        with Api(process).login("martin") as api:
            assert "Lou" in {c["first_name"] for c in api.get("entourage").json()}
    finally:
        process.stop()
    assert not process.running()


def test_a_killed_portal_loses_no_committed_payment(tmp_path: Path) -> None:
    from tests.support.sandbox import pay_in_sandbox

    process = start_portal(tmp_path / "crash.sqlite3")
    try:
        with Api(process).login("martin") as api:
            invoice = api.invoice_by_number("2026100042")
            payment = api.post("payments", json={"invoice_ids": [invoice["id"]],
                                                 "email": "claire.martin@exemple.fr"}).json()
            pay_in_sandbox(payment["payment_url"])
        process.kill()
        process.restart()
        with Api(process).login("martin") as api:
            assert api.invoice_by_number("2026100042")["status"] == "reglee"
            assert api.get(f"payments/{payment['id']}").json()["status"] == "paid"
    finally:
        process.stop()


class _Portal(BaseModel):
    name: str
    url: str
    dialect: str | None = None


class _Settings(BaseModel):
    """Stands for the client's Settings: the launcher only relies on pydantic's API."""

    portals: list[_Portal] = []
    demo: bool = False
    theme: str = "default"


def test_demo_portal_runs_in_the_background_and_stops(tmp_path: Path) -> None:
    settings = _Settings(portals=[_Portal(name="Ma ville", url="https://ville.example/")],
                         theme="high-contrast")
    first = ensure_demo_portal(settings)
    try:
        assert first.demo is True and first.theme == "high-contrast"
        names = [p.name for p in first.portals]
        assert names == ["Chaponost", "Le Chambon-Feugerolles", "Ma ville"]
        # Chaponost through the Famille API, Le Chambon-Feugerolles through its real dialect.
        chaponost, chambon = first.portals[:2]
        assert chaponost.url.endswith("/chaponost/") and chaponost.dialect is None
        assert chambon.url.endswith("/lechambonfeugerolles/espace-citoyens/")
        assert chambon.dialect == "espace-citoyens"
        assert "Espace Citoyens" in httpx.get(chambon.url, trust_env=False).text
        # A second start finds the same portal instead of starting another.
        second = ensure_demo_portal(first)
        assert [p.url for p in second.portals] == [p.url for p in first.portals]
        origin = first.portals[0].url.rsplit("/", 2)[0]
        assert httpx.get(f"{origin}/communes", trust_env=False).status_code == 200
        data_dir = Path(os.environ["FAMILLE_TUI_DATA_DIR"])
        assert (data_dir / "portal.sqlite3").exists()
    finally:
        assert stop_demo_portal() == 0
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{origin}/communes", trust_env=False, timeout=0.5)
        except httpx.TransportError:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the demo portal is still answering")
    assert stop_demo_portal() == 0  # nothing to stop: still fine


def test_the_demo_says_where_it_is_when_8765_is_taken(tmp_path: Path) -> None:
    """Issue 19, bug 9: with the README's port taken by another program, `famille-tui demo`
    says so and where its own portal and outbox are (it moved silently, and the README's
    outbox link showed another portal's e-mails); the outbox command reads its own."""
    import socket

    from tests.cli.conftest import famille_tui_process

    holder = socket.socket()
    # As the launcher binds: without SO_REUSEADDR, an earlier demo's connections in TIME_WAIT
    # make this bind fail while the launcher's succeeds, and 8765 is not held at all.
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        holder.bind(("127.0.0.1", 8765))
        holder.listen()
    except OSError:
        pass  # taken already (another program): just as well
    try:
        done = famille_tui_process(["demo", "--screen-reader"], timeout=90)
        state = json.loads((Path(os.environ["FAMILLE_TUI_DATA_DIR"])
                            / "demo-portal.json").read_text())
        origin = state["origin"]
        assert not origin.endswith(":8765")
        outbox = f"{origin}/chaponost/outbox"  # the README tour's (bernard's activation)
        for said in (done.stderr, done.stdout):
            assert "8765" in said and f"{origin}/" in said and outbox in said, said
        # The outbox command reads this demo's own (Chaponost: Chambon is an Espace
        # Citoyens portal in the demo's config since issue 15, with no outbox of its own).
        mails = famille_tui_process(["--commune", "chaponost", "outbox", "--json"])
        assert mails.returncode == 0, mails.stderr
        bodies = [m["body"] for m in json.loads(mails.stdout)["messages"]]
        portal_mails = httpx.get(f"{origin}/chaponost/api/v1/demo/outbox",
                                 trust_env=False).json()
        assert bodies == [m["body"] for m in portal_mails]
    finally:
        holder.close()
        assert stop_demo_portal() == 0


def test_the_demo_dialects_name_the_replicas_tenants() -> None:
    from famille_tui.portal.espace_citoyens import TENANTS

    for commune, (path, dialect) in DEMO_DIALECTS.items():
        tenant = TENANTS[path.split("/")[0]]
        assert (tenant.commune, f"/{path}/", dialect) == (commune, tenant.root,
                                                          "espace-citoyens")
