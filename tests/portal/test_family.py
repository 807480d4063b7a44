"""Family, entourage, dashboard, profile and help over real HTTP; another family's ids → 404."""

from __future__ import annotations

import httpx
import pytest

from famille_tui.portal.launcher import PortalProcess
from tests.portal.helpers import Api, count_rows, error_of
from tests.support import CHAMBON, CHAPONOST, forget_email

NEW_CONTACT = {
    "first_name": "Awa",
    "last_name": "Diallo",
    "relationship": "Nounou",
    "phones": ["06.44.55.66.77", "+33 4 77 12 34 56"],
    "email": "awa.diallo@exemple.fr",
    "can_pick_up": True,
}


def test_family_composition(shared_portal: PortalProcess) -> None:
    with Api(shared_portal).login("martin") as api:
        family = api.get("family").json()
    assert family["name"] == "Famille Martin"
    assert [(a["first_name"], a["role"]) for a in family["adults"]] == [
        ("Claire", "Mère"), ("Julien", "Père")]
    assert [(c["first_name"], c["birth_date"], c["structure"]) for c in family["children"]] == [
        ("Léa", "2023-03-14", "Crèche Les Pirouettes"),
        ("Hugo", "2024-09-02", "Crèche Les Pirouettes"),
    ]


def test_each_commune_has_its_own_demo_families(shared_portal: PortalProcess) -> None:
    with Api(shared_portal, CHAPONOST).login("martin") as api:
        family = api.get("family").json()
        invoices = api.get("invoices").json()["invoices"]
    assert family["children"][0]["structure"] == "Restaurant scolaire de Chaponost"
    assert all(i["number"].startswith("CP") for i in invoices)


def test_help_is_the_leaflet_contact_and_public(shared_portal: PortalProcess) -> None:
    with Api(shared_portal) as api:
        help_ = api.get("help").json()
    assert help_["structure"] == "Crèche Les Pirouettes"
    assert (help_["address"], help_["postal_code"], help_["city"]) == (
        "9 rue des Halles", "42500", "Le Chambon-Feugerolles")
    assert help_["phone"] == "04 77 06 20 10"
    assert help_["email"] == "creche.lespirouettes@lechambon.fr"
    assert help_["opening_hours"]
    with Api(shared_portal, CHAPONOST) as api:
        assert api.get("help").json()["email"] == "infos.familles@mairie-chaponost.fr"


def test_dashboard(shared_portal: PortalProcess) -> None:
    with Api(shared_portal).login("martin") as api:
        board = api.get("dashboard").json()
    assert board["unread_messages"] == 2
    assert sum(not m["read"] for m in board["messages"]) == 2
    assert board["requests"][0]["status"] == "En cours de traitement"
    assert board["events"] and board["news"]
    dates = [e["date"] for e in board["events"]]
    assert dates == sorted(dates)


def test_reading_a_message(portal: PortalProcess) -> None:
    with Api(portal).login("martin") as api:
        unread = next(m for m in api.get("dashboard").json()["messages"] if not m["read"])
        read = api.post(f"messages/{unread['id']}/read")
        assert read.status_code == 200
        assert read.json()["read"] is True
        assert api.get("dashboard").json()["unread_messages"] == 1
        missing = api.post("messages/9999/read")
        assert missing.status_code == 404


def test_answering_a_message(portal: PortalProcess) -> None:
    with Api(portal).login("martin") as api:
        message = next(m for m in api.get("dashboard").json()["messages"]
                       if m["subject"] == "Photos de l'atelier peinture")
        assert message["replies"] == []
        text = "Bonjour,\nNous voudrions un tirage de la photo n° 3.\nMerci !"
        sent = api.post(f"messages/{message['id']}/reply", json={"text": f"  {text}\n"})
        assert sent.status_code == 201, sent.text
        reply = sent.json()
        assert reply["message_id"] == message["id"]
        assert reply["text"] == text  # the spaces around go, the lines stay
        assert reply["to"] == "Crèche Les Pirouettes"
        # Kept with the message, for the family to see what it answered.
        again = next(m for m in api.get("dashboard").json()["messages"]
                     if m["id"] == message["id"])
        assert [r["text"] for r in again["replies"]] == [text]
        # The structure receives it at its own address (the leaflet's).
        mail = api.outbox()[-1]
        assert mail["to"] == "creche.lespirouettes@lechambon.fr"
        assert mail["subject"] == "Re : Photos de l'atelier peinture (Famille Martin)"
        assert text in mail["body"] and "identifiant martin" in mail["body"]
        assert "12/11/2026 à 16 h 40" in mail["body"]  # the message's Paris time


def test_a_reply_empty_too_long_or_with_controls_is_refused_by_field(
    portal: PortalProcess,
) -> None:
    with Api(portal).login("martin") as api:
        message_id = api.get("dashboard").json()["messages"][0]["id"]
        mails = len(api.outbox())
        for body, expected in [
            ("", "ce champ est obligatoire"),
            ("   \n\t ", "ce champ est obligatoire"),
            ("x" * 2001, "2000 caractères au plus (votre texte en compte 2001)"),
            ("bonjour\x1b[2J", "caractères de contrôle interdits"),
        ]:
            answer = api.post(f"messages/{message_id}/reply", json={"text": body})
            assert answer.status_code == 422, answer.text
            assert error_of(answer)["field_errors"] == {"text": expected}
        for document in [{"text": 5}, {}, {"text": "ok", "to": "x"}]:
            answer = api.post(f"messages/{message_id}/reply", json=document)
            assert answer.status_code in (400, 422), answer.text
            error_of(answer)
        assert api.post(f"messages/{message_id}/reply",
                        json={"text": "x" * 2000}).status_code == 201
        assert len(api.outbox()) == mails + 1
        assert count_rows(portal, "message_replies") == 1


def test_replies_to_one_message_are_capped(portal: PortalProcess) -> None:
    with Api(portal).login("martin") as api:
        message_id = api.get("dashboard").json()["messages"][0]["id"]
        for n in range(20):
            assert api.post(f"messages/{message_id}/reply",
                            json={"text": f"réponse {n}"}).status_code == 201
        refused = api.post(f"messages/{message_id}/reply", json={"text": "une de plus"})
        assert refused.status_code == 409
        assert "directement" in error_of(refused)["message"]


def test_entourage_add_edit_remove(portal: PortalProcess) -> None:
    with Api(portal).login("martin") as api:
        before = api.get("entourage").json()
        assert {c["first_name"] for c in before} == {"Monique", "Karim"}
        created = api.post("entourage", json=NEW_CONTACT)
        assert created.status_code == 201, created.text
        contact = created.json()
        # Phone numbers come back in one French form.
        assert contact["phones"] == ["06 44 55 66 77", "04 77 12 34 56"]
        assert contact["can_pick_up"] is True and contact["emergency_contact"] is False
        edited = api.patch(f"entourage/{contact['id']}", json={"emergency_contact": True,
                                                                "relationship": "Assistante"})
        assert edited.status_code == 200
        assert edited.json()["emergency_contact"] is True
        assert edited.json()["relationship"] == "Assistante"
        assert edited.json()["first_name"] == "Awa"  # untouched fields stay
        no_email = api.patch(f"entourage/{contact['id']}", json={"email": None})
        assert no_email.json()["email"] is None
        assert api.delete(f"entourage/{contact['id']}").status_code == 204
        assert api.get("entourage").json() == before
        assert api.delete(f"entourage/{contact['id']}").status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"phones": ["12"]}, "phones.0"),
        ({"phones": []}, "phones"),
        ({"first_name": "   "}, "first_name"),
        ({"email": "pas-une-adresse"}, "email"),
        ({"can_pick_up": "peut-être"}, "can_pick_up"),
    ],
)
def test_entourage_validation_says_which_field_in_french(
    shared_portal: PortalProcess, change: dict[str, object], field: str
) -> None:
    with Api(shared_portal).login("martin") as api:
        before = count_rows(shared_portal, "contacts")
        response = api.post("entourage", json={**NEW_CONTACT, **change})
        assert response.status_code == 422
        error = error_of(response)
        assert error["code"] == "validation_error"
        assert field in error["field_errors"], error
        assert error["message"].startswith("Certains champs sont invalides")
        assert count_rows(shared_portal, "contacts") == before


def test_invalid_phone_message(shared_portal: PortalProcess) -> None:
    with Api(shared_portal).login("martin") as api:
        response = api.post("entourage", json={**NEW_CONTACT, "phones": ["12"]})
    assert error_of(response)["field_errors"]["phones.0"] == (
        "numéro de téléphone invalide (exemple : 06 12 34 56 78)")


def test_profile_view_and_edit(portal: PortalProcess) -> None:
    with Api(portal).login("martin") as api:
        profile = api.get("profile").json()
        assert profile["email"] == "claire.martin@exemple.fr"
        changed = {**profile, "address": "4 place Jean Jaurès", "phone_home": None,
                   "phone_mobile": "0611223344"}
        response = api.put("profile", json=changed)
        assert response.status_code == 200, response.text
        assert response.json()["phone_mobile"] == "06 11 22 33 44"
        assert api.get("profile").json()["address"] == "4 place Jean Jaurès"
        bad = api.put("profile", json={**changed, "postal_code": "4250"})
        assert bad.status_code == 422
        assert "postal_code" in error_of(bad)["field_errors"]
        assert api.get("profile").json()["address"] == "4 place Jean Jaurès"


def test_a_parent_with_no_email_on_file(portal: PortalProcess) -> None:
    forget_email(portal.data_path)
    login = httpx.post(portal.base_url(CHAMBON) + "api/v1/session", trust_env=False,
                       json={"login": "martin", "password": "demo-martin"})
    assert login.json()["account"]["email"] is None  # none, not ""
    with Api(portal).login("martin") as api:
        assert api.get("profile").json()["email"] is None
        mails = len(api.outbox())
        # The same answer as for any login, and no e-mail sent to nowhere.
        asked = api.post("password-reset", json={"login": "martin"})
        assert asked.status_code == 202
        assert len(api.outbox()) == mails
        # The way out the faces give: the structure's contact, public.
        assert api.get("help").json()["email"] == "creche.lespirouettes@lechambon.fr"


def test_coordinates_reach_the_family(portal: PortalProcess) -> None:
    """« Mes coordonnées » are the account holder's: the family's adult shows them
    (issue 19, bug 4); the other parent is left as they were."""
    with Api(portal).login("martin") as api:
        before = api.get("family").json()["adults"]
        profile = api.get("profile").json()
        changed = {**profile, "phone_mobile": "07 00 11 22 33",
                   "email": "claire.m@exemple.fr"}
        assert api.put("profile", json=changed).status_code == 200
        adults = api.get("family").json()["adults"]
        claire = next(a for a in adults if a["first_name"] == "Claire")
        assert (claire["phone"], claire["email"]) == ("07 00 11 22 33", "claire.m@exemple.fr")
        assert [a for a in adults if a["first_name"] != "Claire"] == [
            a for a in before if a["first_name"] != "Claire"]


def test_martin_cannot_touch_durands_entourage_or_messages(portal: PortalProcess) -> None:
    with Api(portal).login("durand") as durand:
        contact_id = durand.get("entourage").json()[0]["id"]
        message_id = durand.get("dashboard").json()["messages"][0]["id"]
    with Api(portal).login("martin") as martin:
        answers = [
            martin.patch(f"entourage/{contact_id}", json={"relationship": "Pirate"}),
            martin.delete(f"entourage/{contact_id}"),
            martin.post(f"messages/{message_id}/read"),
            martin.post(f"messages/{message_id}/reply", json={"text": "Bonjour"}),
            martin.post("messages/9999/reply", json={"text": "Bonjour"}),
        ]
        assert contact_id not in {c["id"] for c in martin.get("entourage").json()}
    for answer in answers:
        assert answer.status_code == 404
        assert error_of(answer)["code"] == "not_found"
    with Api(portal).login("durand") as durand:
        assert durand.get("entourage").json()[0]["relationship"] == "Grand-père"
        assert durand.get("dashboard").json()["unread_messages"] == 1
        assert durand.get("dashboard").json()["messages"][0]["replies"] == []
    assert count_rows(portal, "message_replies") == 0
