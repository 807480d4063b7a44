"""PortalClient against the real embedded portal over loopback HTTP: every method."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest

from famille_tui.api import (
    MAX_REPLY_CHARS,
    ContactCreate,
    ContactUpdate,
    InvoiceFilter,
    InvoiceStatus,
    ProfileUpdate,
)
from famille_tui.client import (
    AccountLocked,
    AccountNotActivated,
    ApiError,
    InvalidCredentials,
    NotFound,
    PortalClient,
    PortalUnreachable,
    SessionExpired,
    ValidationFailed,
    list_communes,
)
from famille_tui.client.portals.base import Capability
from tests.support import CHAMBON, start_test_portal


async def martin(url: str) -> PortalClient:
    client = PortalClient(url)
    await client.login("martin", "demo-martin")
    return client


def find_in_outbox(messages: list[Any], to_login: str, pattern: str) -> str:
    """The last match of `pattern` in the outbox's mails that name `to_login`."""
    found = [
        m.group(1)
        for message in messages
        if to_login in message.body
        for m in [re.search(pattern, message.body)]
        if m
    ]
    assert found, f"no mail for {to_login} matching {pattern!r}"
    return found[-1]


async def test_list_communes(portal: Any, chambon_url: str) -> None:
    communes = await list_communes(portal.origin)
    by_slug = {c.slug: c for c in communes}
    assert set(by_slug) == {"le-chambon-feugerolles", "chaponost"}
    assert by_slug["le-chambon-feugerolles"].base_url == chambon_url
    # Each commune's base URL is one a PortalClient accepts.
    async with PortalClient(by_slug["chaponost"].base_url) as client:
        assert client.commune == "chaponost"


async def test_login_and_logout(chambon_url: str) -> None:
    async with PortalClient(chambon_url) as client:
        assert not client.logged_in
        account = await client.login("martin", "demo-martin")
        assert client.logged_in and (client.idle_timeout_seconds or 0) > 0
        assert client.account == account
        assert account.login == "martin"
        assert account.family_name.endswith("Martin")
        await client.logout()
        assert not client.logged_in and client.account is None
        with pytest.raises(SessionExpired):
            await client.family()


async def test_logout_ends_the_session_on_the_portal(chambon_url: str) -> None:
    async with await martin(chambon_url) as client:
        token = client._token  # the test needs the old token to prove it is dead
        await client.logout()
        client._token = token
        with pytest.raises(SessionExpired):
            await client.family()


async def test_wrong_password(chambon_url: str) -> None:
    async with PortalClient(chambon_url) as client:
        with pytest.raises(InvalidCredentials) as caught:
            await client.login("martin", "not-the-password")
        assert "incorrect" in caught.value.message
        assert not client.logged_in
        with pytest.raises(InvalidCredentials):
            await client.login("nobody-here", "whatever")


async def test_not_activated(chambon_url: str) -> None:
    async with PortalClient(chambon_url) as client:
        temporary = find_in_outbox(await client.outbox(), "bernard",
                                   r"mot de passe provisoire : (\S+)")
        with pytest.raises(AccountNotActivated) as caught:
            await client.login("bernard", temporary)
    assert "Première connexion" in caught.value.message


async def test_locked_after_repeated_failures(chambon_url: str) -> None:
    async with PortalClient(chambon_url) as client:
        locked: AccountLocked | None = None
        for _ in range(20):
            try:
                await client.login("durand", "wrong-password")
            except InvalidCredentials:
                continue
            except AccountLocked as error:
                locked = error
                break
        assert locked is not None, "the portal never locked the account"
        assert locked.retry_after_seconds is not None and locked.retry_after_seconds > 0
        # Even the right password is refused while locked.
        with pytest.raises(AccountLocked):
            await client.login("durand", "demo-durand")


async def test_session_expired_mid_use_and_relogin(chambon_url: str) -> None:
    async with await martin(chambon_url) as client:
        # The portal forgets the session (as after its idle timeout): make the token unknown.
        client._token = "expired-" + "0" * 32
        with pytest.raises(SessionExpired) as caught:
            await client.invoices()
        assert "mot de passe" in caught.value.message
        assert not client.logged_in
        assert client.account is not None and client.account.login == "martin"
        await client.relogin("demo-martin")
        assert (await client.family()).name.endswith("Martin")


async def test_activation(chambon_url: str) -> None:
    async with PortalClient(chambon_url) as client:
        policy = await client.password_policy()
        assert policy.min_length >= 8 and policy.description
        temporary = find_in_outbox(await client.outbox(), "bernard",
                                   r"mot de passe provisoire : (\S+)")
        with pytest.raises(ValidationFailed):
            await client.activate("bernard", temporary, "court")
        with pytest.raises(ApiError) as caught:
            await client.activate("bernard", "not-the-temporary", "bonjour2026")
        assert caught.value.status == 400 and caught.value.code == "invalid_activation"
        accepted = await client.activate("bernard", temporary, "bonjour2026")
        assert accepted.message
        await client.login("bernard", "bonjour2026")
        assert client.account is not None and client.account.login == "bernard"


async def test_password_reset(chambon_url: str) -> None:
    async with PortalClient(chambon_url) as client:
        # Same answer whatever the login: no account enumeration.
        assert (await client.request_password_reset("nobody-here")).message
        await client.request_password_reset("martin")
        code = find_in_outbox(await client.outbox(), "martin", r"Code : (\S+)")
        with pytest.raises(ApiError) as caught:
            await client.confirm_password_reset("martin", "000000-wrong", "nouveau2026")
        assert caught.value.code == "invalid_code"
        await client.confirm_password_reset("martin", code, "nouveau2026")
        with pytest.raises(InvalidCredentials):
            await client.login("martin", "demo-martin")
        await client.login("martin", "nouveau2026")


async def test_family_help_and_dashboard(chambon_url: str) -> None:
    async with await martin(chambon_url) as client:
        family = await client.family()
        assert len(family.children) == 2 and family.adults
        help_contact = await client.help()
        assert help_contact.phone == "04 77 06 20 10"
        assert "Halles" in help_contact.address
        dashboard = await client.dashboard()
        unread = [m for m in dashboard.messages if not m.read]
        assert unread and dashboard.unread_messages == len(unread)
        message = await client.mark_message_read(unread[0].id)
        assert message.read and message.id == unread[0].id
        assert (await client.dashboard()).unread_messages == len(unread) - 1
        with pytest.raises(NotFound):
            await client.mark_message_read(999_999)


async def test_answering_a_message(chambon_url: str) -> None:
    async with await martin(chambon_url) as client:
        assert client.offers(Capability.MESSAGE_REPLY)
        message = (await client.dashboard()).messages[0]
        reply = await client.reply_to_message(message.id, "Merci, bien reçu.")
        assert (reply.message_id, reply.text, reply.to) == (
            message.id, "Merci, bien reçu.", message.sender)
        again = next(m for m in (await client.dashboard()).messages if m.id == message.id)
        assert [r.text for r in again.replies] == ["Merci, bien reçu."]
        # What the portal would refuse is refused before sending, by field, in French.
        for text, words in [("  ", "Ce champ est obligatoire"),
                            ("x" * (MAX_REPLY_CHARS + 1),
                             "2000 caractères au plus (votre texte en compte 2001)")]:
            with pytest.raises(ValidationFailed) as refused:
                await client.reply_to_message(message.id, text)
            assert refused.value.status == 0
            assert words.lower() in refused.value.field_errors["text"].lower()
        with pytest.raises(NotFound):
            await client.reply_to_message(999_999, "Bonjour")
        assert len((await client.dashboard()).messages[0].replies) == 1


async def test_entourage_add_update_remove(chambon_url: str) -> None:
    async with await martin(chambon_url) as client:
        before = await client.entourage()
        added = await client.add_contact(ContactCreate(
            first_name="Jeanne", last_name="Martin", relationship="Tante",
            phones=["06 12 34 56 78"], can_pick_up=True,
        ))
        assert added.phones == ["06 12 34 56 78"] and added.can_pick_up
        assert len(await client.entourage()) == len(before) + 1

        changed = await client.update_contact(
            added.id, ContactUpdate(relationship="Marraine", email="jeanne@example.fr")
        )
        assert changed.relationship == "Marraine" and changed.email == "jeanne@example.fr"
        assert changed.first_name == "Jeanne" and changed.can_pick_up  # untouched fields stay

        await client.remove_contact(added.id)
        assert [c.id for c in await client.entourage()] == [c.id for c in before]
        with pytest.raises(NotFound):
            await client.remove_contact(added.id)
        with pytest.raises(NotFound):
            await client.update_contact(added.id, ContactUpdate(first_name="X"))


async def test_profile_view_and_edit(chambon_url: str) -> None:
    async with await martin(chambon_url) as client:
        profile = await client.profile()
        update = ProfileUpdate(
            first_name=profile.first_name, last_name=profile.last_name,
            address="12 rue de la Paix", postal_code=profile.postal_code, city=profile.city,
            phone_home=None, phone_mobile="0611223344", email=profile.email,
        )
        saved = await client.update_profile(update)
        assert saved.address == "12 rue de la Paix" and saved.phone_mobile == "06 11 22 33 44"
        assert (await client.profile()) == saved


async def test_invoices_and_pdf(chambon_url: str) -> None:
    async with await martin(chambon_url) as client:
        everything = await client.invoices(InvoiceFilter.ALL)
        unpaid = await client.invoices(InvoiceFilter.UNPAID)
        paid = await client.invoices(InvoiceFilter.PAID)
        assert unpaid.invoices and paid.invoices
        assert {i.id for i in everything.invoices} == {
            i.id for i in unpaid.invoices + paid.invoices
        }
        assert all(i.status is InvoiceStatus.REGLEE for i in paid.invoices)
        assert everything.total_remaining_cents == sum(
            i.remaining_cents for i in everything.invoices
        )
        first = unpaid.invoices[0]
        assert await client.invoice(first.id) == first
        pdf = await client.invoice_pdf(first.id)
        assert pdf.startswith(b"%PDF-") and len(pdf) > 200


async def test_another_familys_data_is_not_found(chambon_url: str) -> None:
    async with await martin(chambon_url) as martin_client:
        mine = (await martin_client.invoices()).invoices[0]
    async with PortalClient(chambon_url) as durand:
        await durand.login("durand", "demo-durand")
        with pytest.raises(NotFound):
            await durand.invoice(mine.id)
        with pytest.raises(NotFound):
            await durand.invoice_pdf(mine.id)


async def test_stopped_portal_is_unreachable(portal: Any, chambon_url: str) -> None:
    async with await martin(chambon_url) as client:
        portal.stop()
        with pytest.raises(PortalUnreachable) as caught:
            await client.family()
        assert "connexion" in caught.value.message
        # After a network failure the session is not thrown away.
        assert client.logged_in


async def test_session_expires_after_idle_time(tmp_path: Path, demo_database: Path) -> None:
    """The portal's own idle timeout, for real: the session dies, relogin carries on."""
    portal = start_test_portal(tmp_path / "idle", demo_database, idle_timeout=1)
    try:
        async with await martin(portal.base_url(CHAMBON)) as client:
            assert (await client.family()).name.endswith("Martin")
            await asyncio.sleep(2.2)  # idle past the 1 s timeout: the behaviour under test
            with pytest.raises(SessionExpired) as caught:
                await client.dashboard()
            assert "Saisissez à nouveau votre mot de passe" in caught.value.message
            await client.relogin("demo-martin")
            assert (await client.dashboard()).messages
    finally:
        portal.stop()
