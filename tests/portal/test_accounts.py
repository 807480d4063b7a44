"""Accounts over real HTTP: login, logout, lockout, token expiry, activation, password reset."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from famille_tui.portal.launcher import PortalProcess
from tests.portal.helpers import Api, error_of
from tests.support import CHAPONOST, start_test_portal


def test_login_answers_a_token_and_the_account(shared_portal: PortalProcess) -> None:
    with Api(shared_portal) as api:
        response = api.post("session", json={"login": "martin", "password": "demo-martin"})
    assert response.status_code == 201
    body = response.json()
    assert len(body["token"]) >= 40
    assert body["idle_timeout_seconds"] == 1800
    assert body["account"] == {
        "login": "martin",
        "display_name": "Claire Martin",
        "email": "claire.martin@exemple.fr",
        "family_name": "Famille Martin",
    }


def test_wrong_credentials_are_401_in_french_and_count_down(
    shared_portal: PortalProcess,
) -> None:
    with Api(shared_portal) as api:
        response = api.post("session", json={"login": "compteur", "password": "nope"})
    assert response.status_code == 401
    error = error_of(response)
    assert error["code"] == "invalid_credentials"
    assert error["message"].startswith("Identifiant ou mot de passe incorrect.")
    assert "Il reste 4 essais" in error["message"]


def test_unknown_login_answers_exactly_like_a_wrong_password(
    shared_portal: PortalProcess,
) -> None:
    with Api(shared_portal) as api:
        known = api.post("session", json={"login": "martin", "password": "x"})
        unknown = api.post("session", json={"login": "personne", "password": "x"})
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())


def test_not_activated_account_is_403_only_with_its_temporary_password(
    shared_portal: PortalProcess,
) -> None:
    with Api(shared_portal) as api:
        temporary = _temporary_password(api)
        wrong = api.post("session", json={"login": "bernard", "password": "x"})
        right = api.post("session", json={"login": "bernard", "password": temporary})
    assert wrong.status_code == 401
    assert right.status_code == 403
    assert error_of(right)["code"] == "not_activated"
    assert "Première connexion" in error_of(right)["message"]


def test_login_is_per_commune(shared_portal: PortalProcess) -> None:
    with (
        Api(shared_portal).login("martin") as chambon,
        Api(shared_portal, CHAPONOST) as chaponost,
    ):
        chaponost.headers["Authorization"] = chambon.headers["Authorization"]
        # A token of one commune means nothing in another.
        assert chaponost.get("family").status_code == 401
        assert chaponost.post(
            "session", json={"login": "martin", "password": "demo-martin"}
        ).status_code == 201


def test_logout_ends_the_session(shared_portal: PortalProcess) -> None:
    with Api(shared_portal).login("martin") as api:
        assert api.get("family").status_code == 200
        assert api.delete("session").status_code == 204
        after = api.get("family")
    assert after.status_code == 401
    assert error_of(after)["code"] == "unauthenticated"


@pytest.mark.parametrize(
    "header", [None, "Bearer", "Bearer made-up-token", "Basic bWFydGluOmRlbW8tbWFydGlu"]
)
def test_calls_without_a_valid_token_are_401(
    shared_portal: PortalProcess, header: str | None
) -> None:
    with Api(shared_portal) as api:
        headers = {"Authorization": header} if header else {}
        for path in ("family", "entourage", "dashboard", "profile", "invoices"):
            response = api.get(path, headers=headers)
            assert response.status_code == 401, path
            assert error_of(response)["message"] == "Veuillez vous connecter."


@pytest.fixture(scope="module")
def strict_portal(
    tmp_path_factory: pytest.TempPathFactory, demo_database: Path
) -> Iterator[PortalProcess]:
    """A portal whose sessions expire after 1 s idle and whose lockout lasts 1 s
    (each test leaves it as it found it: no login left locked)."""
    process = start_test_portal(
        tmp_path_factory.mktemp("strict"), demo_database, idle_timeout=1, lockout_seconds=1
    )
    try:
        yield process
    finally:
        process.stop()


def test_token_expires_when_idle_and_says_so(strict_portal: PortalProcess) -> None:
    with Api(strict_portal).login("martin") as api:
        assert api.get("family").status_code == 200
        time.sleep(0.5)  # idle, but less than the 1 s timeout: the behaviour under test
        assert api.get("family").status_code == 200  # use keeps it alive
        time.sleep(1.6)  # idle past the timeout: the behaviour under test
        expired = api.get("family")
        again = api.get("invoices")
    assert expired.status_code == 401
    error = error_of(expired)
    assert error["code"] == "session_expired"
    assert "expiré" in error["message"] and "Reconnectez-vous" in error["message"]
    assert error_of(again)["code"] == "session_expired"


def test_five_failures_lock_the_login_then_it_opens_again(strict_portal: PortalProcess) -> None:
    with Api(strict_portal) as api:
        answers = [
            api.post("session", json={"login": "martin", "password": f"bad{i}"})
            for i in range(5)
        ]
        assert [a.status_code for a in answers] == [401, 401, 401, 401, 429]
        # Locked: even the right password is refused, with when to retry.
        locked = api.post("session", json={"login": "martin", "password": "demo-martin"})
        assert locked.status_code == 429
        error = error_of(locked)
        assert error["code"] == "account_locked"
        assert error["retry_after_seconds"] == 1
        assert locked.headers["Retry-After"] == str(error["retry_after_seconds"])
        assert "Réessayez" in error["message"] and "minute" in error["message"]
        # Another login is not affected.
        assert api.post(
            "session", json={"login": "durand", "password": "demo-durand"}
        ).status_code == 201
        time.sleep(error["retry_after_seconds"] + 0.2)  # the lockout's end is under test
        assert api.post(
            "session", json={"login": "martin", "password": "demo-martin"}
        ).status_code == 201


def test_unknown_logins_lock_too_so_the_lock_reveals_nothing(
    strict_portal: PortalProcess,
) -> None:
    with Api(strict_portal) as api:
        statuses = [
            api.post("session", json={"login": "inconnu", "password": "x"}).status_code
            for _ in range(5)
        ]
    assert statuses == [401, 401, 401, 401, 429]


def test_the_lockout_is_the_real_default_of_15_minutes(shared_portal: PortalProcess) -> None:
    with Api(shared_portal) as api:
        for _ in range(5):
            last = api.post("session", json={"login": "verrou", "password": "bad"})
    error = error_of(last)
    assert last.status_code == 429
    assert 890 <= error["retry_after_seconds"] <= 900
    assert re.search(r"Réessayez à partir de \d{1,2} h \d\d \(dans 15 minutes\)", error["message"])


def _temporary_password(api: Api) -> str:
    mail = next(m for m in api.outbox() if m["subject"].startswith("Activation"))
    assert mail["to"] == "nicolas.bernard@exemple.fr"
    match = re.search(r"mot de passe provisoire : (\S+)", mail["body"])
    assert match, mail["body"]
    return match.group(1)


def test_activation_from_the_e_mail(portal: PortalProcess) -> None:
    with Api(portal) as api:
        temporary = _temporary_password(api)
        wrong = api.post("activation", json={
            "login": "bernard", "temporary_password": "pas-le-bon", "new_password": "Jules2025x"})
        assert wrong.status_code == 400
        assert error_of(wrong)["code"] == "invalid_activation"
        weak = api.post("activation", json={
            "login": "bernard", "temporary_password": temporary, "new_password": "court"})
        assert weak.status_code == 422
        assert error_of(weak)["code"] == "weak_password"
        assert "8 caractères" in error_of(weak)["field_errors"]["new_password"]
        ok = api.post("activation", json={
            "login": "bernard", "temporary_password": temporary, "new_password": "Jules2025x"})
        assert ok.status_code == 200
        assert "activé" in ok.json()["message"]
        again = api.post("activation", json={
            "login": "bernard", "temporary_password": temporary, "new_password": "Jules2025x"})
        assert again.status_code == 409
        assert error_of(again)["code"] == "already_activated"
        assert api.post(
            "session", json={"login": "bernard", "password": temporary}
        ).status_code == 401
    with Api(portal).login("bernard", "Jules2025x") as bernard:
        assert bernard.get("family").json()["name"] == "Famille Bernard"


def test_password_policy(shared_portal: PortalProcess) -> None:
    with Api(shared_portal) as api:
        policy = api.get("password-policy").json()
    assert policy == {
        "min_length": 8,
        "require_letter": True,
        "require_digit": True,
        "description": "Le mot de passe doit comporter au moins 8 caractères, "
        "dont au moins une lettre et un chiffre.",
    }


def test_reset_answers_the_same_whatever_the_login(shared_portal: PortalProcess) -> None:
    with Api(shared_portal) as api:
        before = len(api.outbox())
        known = api.post("password-reset", json={"login": "martin"})
        unknown = api.post("password-reset", json={"login": "quelquun"})
        assert known.status_code == unknown.status_code == 202
        assert known.json() == unknown.json()
        mails = api.outbox()[before:]
    assert [m["to"] for m in mails] == ["claire.martin@exemple.fr"]


def test_reset_with_the_e_mailed_code(portal: PortalProcess) -> None:
    with Api(portal).login("martin") as old_session, Api(portal) as api:
        api.post("password-reset", json={"login": "martin"})
        mail = api.outbox()[-1]
        code = re.search(r"Code : (\d+)", mail["body"])
        assert code, mail["body"]
        wrong = api.post("password-reset/confirm", json={
            "login": "martin", "code": "00000000", "new_password": "Nouveau2026"})
        assert wrong.status_code == 400
        assert error_of(wrong)["code"] == "invalid_code"
        unknown = api.post("password-reset/confirm", json={
            "login": "personne", "code": code.group(1), "new_password": "Nouveau2026"})
        assert unknown.json() == wrong.json()
        ok = api.post("password-reset/confirm", json={
            "login": "martin", "code": code.group(1), "new_password": "Nouveau2026"})
        assert ok.status_code == 200, ok.text
        # The code is used up, the old password is gone, the old sessions too.
        reused = api.post("password-reset/confirm", json={
            "login": "martin", "code": code.group(1), "new_password": "Autre2026x"})
        assert reused.status_code == 400
        assert api.post(
            "session", json={"login": "martin", "password": "demo-martin"}
        ).status_code == 401
        assert api.post(
            "session", json={"login": "martin", "password": "Nouveau2026"}
        ).status_code == 201
        assert old_session.get("family").status_code == 401


def test_reset_code_gives_up_after_five_wrong_tries(shared_portal: PortalProcess) -> None:
    with Api(shared_portal) as api:
        api.post("password-reset", json={"login": "durand"})
        code = re.search(r"Code : (\d+)", api.outbox()[-1]["body"])
        assert code
        for _ in range(5):
            api.post("password-reset/confirm", json={
                "login": "durand", "code": "12345678", "new_password": "Nouveau2026"})
        late = api.post("password-reset/confirm", json={
            "login": "durand", "code": code.group(1), "new_password": "Nouveau2026"})
    assert late.status_code == 400


def test_passwords_are_stored_hashed(shared_portal: PortalProcess) -> None:
    from tests.portal.helpers import db_rows

    rows = db_rows(shared_portal, "SELECT password_hash FROM accounts WHERE login = 'martin'")
    assert rows and all(r[0].startswith("$argon2id$") for r in rows)
    assert b"demo-martin" not in shared_portal.data_path.read_bytes()
