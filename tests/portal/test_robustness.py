"""Bad input never gets a 500 nor an English message, and writes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from famille_tui.portal.launcher import PortalProcess
from tests.portal.helpers import Api, error_of

TABLES = ("contacts", "payments", "sessions", "outbox", "profiles", "login_failures")


def _snapshot(portal: PortalProcess) -> dict[str, list[tuple[object, ...]]]:
    from tests.portal.helpers import db_rows

    # A session's last use is touched by any authenticated call: not a change of data.
    columns = {"sessions": "token_hash, account_id, created_at"}
    return {
        t: db_rows(portal, f"SELECT {columns.get(t, '*')} FROM {t} ORDER BY rowid")
        for t in TABLES
    }


def _french(response: httpx.Response) -> dict[str, object]:
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    error = error_of(response)
    message = str(error["message"])
    # French, not FastAPI's English defaults.
    for english in ("Field required", "Not Found", "Method Not Allowed", "There was an error",
                    "Internal Server Error", "Input should"):
        assert english not in response.text
    assert any(word in message for word in ("requête", "champs", "adresse", "opération",
                                            "volumineuse", "JSON", "Commune", "existe"))
    return error


@pytest.fixture
def api(portal: PortalProcess) -> Iterator[Api]:
    with Api(portal).login("martin") as client:
        yield client


BAD_BODIES: list[tuple[str, bytes, str]] = [
    ("not json", b"{bad json", "invalid_request"),
    ("array", b"[1, 2, 3]", "invalid_request"),
    ("string", b'"hello"', "invalid_request"),
    ("not utf-8", b'{"first_name": "\xff\xfe\xfa"}', "invalid_request"),
    ("deep nesting", b"[" * 20000 + b"]" * 20000, "invalid_request"),
    ("empty", b"", "invalid_request"),
]


@pytest.mark.parametrize(("what", "body", "code"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
@pytest.mark.parametrize("path", ["entourage", "payments", "session", "activation"])
def test_unreadable_bodies_are_400(
    api: Api, what: str, body: bytes, code: str, path: str
) -> None:
    before = _snapshot(api.portal)
    response = api.post(path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, (what, response.text)
    assert _french(response)["code"] == code
    assert _snapshot(api.portal) == before


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("payments", {"invoice_ids": "abc", "email": "a@b.fr"}, "invoice_ids"),
        ("payments", {"invoice_ids": [1.5], "email": "a@b.fr"}, "invoice_ids.0"),
        ("payments", {"invoice_ids": [], "email": "a@b.fr"}, "invoice_ids"),
        ("payments", {"invoice_ids": "x", "email": "a@b.fr"}, "invoice_ids"),
        ("payments", {"invoice_ids": [3]}, "email"),
        ("entourage", {"first_name": 12, "last_name": "X", "relationship": "Y",
                       "phones": ["0612345678"]}, "first_name"),
        ("entourage", {"first_name": "A", "last_name": "X", "relationship": "Y",
                       "phones": ["0612345678"], "admin": True}, "admin"),
        ("session", {"login": "martin", "password": "demo-martin", "remember": True},
         "remember"),
        ("session", {"login": ["martin"], "password": "x"}, "login"),
    ],
)
def test_wrong_types_and_unknown_fields_are_422_per_field(
    api: Api, path: str, body: dict[str, object], field: str
) -> None:
    before = _snapshot(api.portal)
    response = api.post(path, json=body)
    assert response.status_code == 422, response.text
    error = _french(response)
    assert error["code"] == "validation_error"
    assert field in error["field_errors"]  # type: ignore[operator]
    assert _snapshot(api.portal) == before


def test_huge_bodies_are_413_by_length_and_when_streamed(api: Api) -> None:
    before = _snapshot(api.portal)
    big = b'{"first_name": "' + b"a" * 70_000 + b'"}'
    declared = api.post("entourage", content=big, headers={"Content-Type": "application/json"})
    assert declared.status_code == 413
    assert _french(declared)["code"] == "payload_too_large"

    def chunks() -> Iterator[bytes]:
        for _ in range(20):
            yield b" " * 8192

    streamed = api.post("entourage", content=chunks(),
                        headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413
    assert _snapshot(api.portal) == before


def test_wrong_content_type(api: Api) -> None:
    response = api.post("entourage", content=b"first_name=A",
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code in (400, 422)
    _french(response)


def test_unknown_paths_methods_and_communes(portal: PortalProcess) -> None:
    with httpx.Client(base_url=portal.origin, trust_env=False) as client:
        unknown = client.get("/le-chambon-feugerolles/api/v1/nimporte-quoi")
        assert unknown.status_code == 404
        assert _french(unknown)["code"] == "not_found"
        commune = client.get("/saint-etienne/api/v1/help")
        assert commune.status_code == 404
        assert error_of(commune)["message"] == "Commune inconnue sur ce portail."
        method = client.put("/le-chambon-feugerolles/api/v1/session")
        assert method.status_code == 405
        _french(method)


def test_bad_ids_in_paths(api: Api) -> None:
    for path in ("invoices/abc", "invoices/-1", "invoices/99999999999999999999999",
                 "entourage/abc"):
        response = api.get(path) if path.startswith("invoices") else api.delete(path)
        assert 400 <= response.status_code < 500, (path, response.text)
        _french(response)


def test_bad_notifications_never_fail_the_server(portal: PortalProcess) -> None:
    """A notification is only a trigger: any shape is taken calmly (nothing to check is
    not an error the sender could learn from), and nothing is written."""
    before = _snapshot(portal)
    url = portal.base_url("le-chambon-feugerolles") + "tipi/notification"
    with httpx.Client(trust_env=False) as client:
        for answer in (
            client.post(url, content=b"refdet=\xff\xfe&montant=\x00",
                        headers={"Content-Type": "application/x-www-form-urlencoded"}),
            client.post(url, content=b"{}", headers={"Content-Type": "application/json"}),
            client.get(url),
            client.post(url, content=b"x" * 100_000,
                        headers={"Content-Type": "application/x-www-form-urlencoded"}),
        ):
            assert answer.status_code in (200, 413), answer.text
    assert _snapshot(portal) == before


def test_bad_payment_page_posts_are_pages_not_errors(portal: PortalProcess) -> None:
    with httpx.Client(base_url=portal.payfip_origin or "", trust_env=False) as client:
        for data in ({}, {"etape": "carte"}, {"action": "annuler"},
                     {"jeton": "x", "etat": "y.z"}):
            response = client.post("/tpa/saisie.web", data=data)
            assert response.status_code == 400
            assert "Session expirée" in response.text and "Rien n'a été payé" in response.text


def test_an_invoice_id_too_large_for_sqlite_is_not_found(api: Api) -> None:
    response = api.post("payments", json={"invoice_ids": [2**70], "email": "a@b.fr"})
    assert response.status_code == 404
    _french(response)
