"""`SessionPolicy` and `FamilySession` on their own, over `httpx.MockTransport` (the Famille
API in memory, tests/support/famille_api.py): the flows through a real portal are in the
faces' tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest

from famille_tui.api import InvoiceStatus, PaymentStatus
from famille_tui.client.config import LaunchOptions, PortalProfile, Settings
from famille_tui.client.errors import InvalidCredentials, NotOffered, SessionExpired
from famille_tui.client.payments import PaymentJournal, new_idempotency_key
from famille_tui.client.portal_client import PortalClient
from famille_tui.client.portals import Capability
from famille_tui.client.session import (
    JUST_READ_SECONDS,
    Change,
    FamilySession,
    SessionChange,
    SessionPolicy,
)
from tests.support.famille_api import BASE_URL, PASSWORD, FamilleApi

LAPTOP = SessionPolicy()
KIOSK = SessionPolicy(kiosk=True)


def session_on(api: FamilleApi, policy: SessionPolicy = LAPTOP) -> FamilySession:
    return FamilySession(api.profile, policy, connector_factory=api.connector)


def recorder(session: FamilySession) -> list[SessionChange]:
    changes: list[SessionChange] = []
    session.subscribe(changes.append)
    return changes


# --- the policy ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "remembers", "on_disk", "hands_over"),
    [
        (LaunchOptions(), True, True, False),
        (LaunchOptions(kiosk=True), False, False, True),
        (LaunchOptions(settings=Settings(kiosk=True)), False, False, True),
    ],
)
def test_the_policy_is_made_once_from_the_options(
    options: LaunchOptions, remembers: bool, on_disk: bool, hands_over: bool
) -> None:
    policy = SessionPolicy.from_options(options)
    assert policy.remembers_passwords is remembers
    assert (policy.credential_store() is not None) is remembers
    assert (policy.journal().directory is not None) is on_disk
    assert policy.hands_over_payments is hands_over
    assert policy.may_quit is not hands_over


@pytest.mark.parametrize(
    ("demo", "portal_url", "expected"),
    [
        # `famille-tui demo`
        (True, "http://127.0.0.1:8765/le-chambon-feugerolles/", True),
        # `famille-tui`, `--screen-reader`, `--kiosk`, `pay` on the same embedded portal
        (False, "http://127.0.0.1:8765/le-chambon-feugerolles/", True),
        (False, "http://localhost:8765/chaponost/", True),
        # a real portal is never a demonstration one
        (False, "https://www.espace-citoyens.net/lechambonfeugerolles/", False),
    ],
)
def test_demo_means_one_thing(demo: bool, portal_url: str, expected: bool) -> None:
    policy = SessionPolicy(demo=demo)
    assert policy.demo_portal(portal_url) is expected
    sandbox = portal_url.split("/", 3)
    sandbox_page = "/".join(sandbox[:3]) + "/sandbox/tpa/paiement.web?refdet=X"
    if expected:
        assert policy.check_payment_url(sandbox_page, portal_url=portal_url) == sandbox_page


# --- logging in, the family space -----------------------------------------------------------


async def test_login_then_the_family_space() -> None:
    api = FamilleApi()
    session = session_on(api)
    changes = recorder(session)
    assert not session.logged_in and session.family_name == ""
    await session.login("martin", PASSWORD)
    await session.load_family_space()
    assert session.in_family_space
    assert session.family is not None and session.family_name == "Famille Martin"
    assert session.remaining_cents == 31240 + 4520
    kinds = [c.kind for c in changes]
    assert Change.ACCOUNT in kinds and Change.FAMILY in kinds and Change.REMAINING in kinds


async def test_a_wrong_password_is_the_connectors_error() -> None:
    session = session_on(FamilleApi())
    with pytest.raises(InvalidCredentials):
        await session.login("martin", "faux")
    assert not session.logged_in


async def test_calls_that_fail_together_log_in_again_once() -> None:
    api = FamilleApi()
    asked: list[str] = []

    async def reauthenticate(session: FamilySession) -> bool:
        asked.append(session.login_name)
        # A turn of the loop for the other calls to fail meanwhile (the API is in memory:
        # they fail within it, whatever the machine's load).
        await asyncio.sleep(0.01)
        await session.relogin(PASSWORD)
        return True

    session = session_on(api)
    session.reauthenticate = reauthenticate
    await session.login("martin", PASSWORD)
    api.expire_sessions()
    results = await asyncio.gather(
        session.call(session.connector.family),
        session.call(session.connector.profile),
        session.invoices(),
    )
    assert asked == ["martin"]
    assert results[0].name == "Famille Martin"
    assert len(results[2].invoices) == 3


async def test_without_a_way_to_log_in_again_the_expiry_is_raised() -> None:
    api = FamilleApi()
    session = session_on(api)
    await session.login("martin", PASSWORD)
    api.expire_sessions()
    with pytest.raises(SessionExpired):
        await session.invoices()


async def test_a_given_up_session_is_raised() -> None:
    api = FamilleApi()

    async def give_up(session: FamilySession) -> bool:
        return False

    session = session_on(api)
    session.reauthenticate = give_up
    await session.login("martin", PASSWORD)
    api.expire_sessions()
    with pytest.raises(SessionExpired):
        await session.refresh_family()


# --- paying -----------------------------------------------------------------------------------


async def test_the_family_space_reads_every_invoice_once_for_the_first_list() -> None:
    api = FamilleApi()
    session = session_on(api)
    await session.login("martin", PASSWORD)
    await session.load_family_space()
    assert api.requests.count("GET invoices") == 1
    listing = session.just_read_invoices()
    assert listing is not None
    assert sorted(i.id for i in listing.invoices) == sorted(api.invoices)
    assert listing.total_remaining_cents == session.remaining_cents
    # Given once: the next reader asks the portal, and « r » always does.
    assert session.just_read_invoices() is None
    await session.invoices()
    assert api.requests.count("GET invoices") == 2


async def test_a_list_read_too_long_ago_is_not_handed_over() -> None:
    api = FamilleApi()
    now = [1000.0]
    session = FamilySession(api.profile, LAPTOP, connector_factory=api.connector,
                            clock=lambda: now[0])
    await session.login("martin", PASSWORD)
    await session.load_family_space()
    now[0] += JUST_READ_SECONDS
    assert session.just_read_invoices() is None


async def test_a_payment_started_since_the_list_was_read_makes_it_old() -> None:
    api = FamilleApi()
    session = await logged_in(api)
    await session.start_payment([api.invoices[1]], "claire@exemple.fr",
                                idempotency_key=new_idempotency_key())
    assert session.just_read_invoices() is None


async def test_the_list_read_marks_a_followed_payments_invoices_en_cours() -> None:
    api = FamilleApi()
    session = session_on(api)
    await session.login("martin", PASSWORD)
    await session.load_family_space()
    # A payment of a previous run, found pending after the list was read (`resume`).
    page_api = FamilleApi()
    other = await logged_in(page_api)
    page = await other.start_payment([page_api.invoices[1]], "claire@exemple.fr",
                                     idempotency_key=new_idempotency_key())
    session.track(page.payment)
    listing = session.just_read_invoices()
    assert listing is not None
    assert next(i for i in listing.invoices if i.id == 1).status is InvoiceStatus.EN_COURS


async def test_a_closed_session_holds_no_list() -> None:
    api = FamilleApi()
    session = await logged_in(api, KIOSK)
    await session.close(hand_over=True)
    assert session.just_read_invoices() is None
    assert session._just_read is None


async def logged_in(api: FamilleApi, policy: SessionPolicy = LAPTOP) -> FamilySession:
    session = session_on(api, policy)
    await session.login("martin", PASSWORD)
    await session.load_family_space()
    return session


async def test_start_payment_hands_back_the_payment_and_its_allowed_page() -> None:
    api = FamilleApi()
    session = await logged_in(api)
    invoice = api.invoices[1]
    page = await session.start_payment([invoice], "claire@exemple.fr",
                                       idempotency_key=new_idempotency_key())
    assert page.allowed and page.refusal is None
    assert page.url == page.payment.payment_url
    assert [e.payment_id for e in session.pending_entries()] == [page.payment.id]
    followed = session.followed(page.payment.id)
    assert followed is not None and followed.invoice_numbers == [invoice.number]
    assert session.in_progress_invoice_ids() == {invoice.id}


async def test_a_refused_page_still_hands_back_the_payment_it_made() -> None:
    api = FamilleApi(payment_host="https://evil.example/pay?ref=")
    session = await logged_in(api)
    version = session.invoices_version
    page = await session.start_payment([api.invoices[1]], "claire@exemple.fr",
                                       idempotency_key=new_idempotency_key())
    assert not page.allowed and page.url is None and page.qr_url is None
    assert page.payment.id in api.payments
    assert page.refusal is not None
    assert "evil.example" in page.refusal and "Paiement en cours" in page.refusal
    # Never said of a payment that exists.
    assert "Aucun paiement" not in page.refusal
    # It is journaled and followed, so that its invoices are freed when it ends.
    assert [e.payment_id for e in session.pending_entries()] == [page.payment.id]
    followed = session.followed(page.payment.id)
    assert followed is not None and followed.refused and not followed.stopped
    assert session.invoices_version > version


async def test_waiting_ends_with_the_outcome_told_and_the_total_read_again() -> None:
    api = FamilleApi()
    session = await logged_in(api)
    page = await session.start_payment([api.invoices[1]], "claire@exemple.fr",
                                       idempotency_key=new_idempotency_key())
    changes = recorder(session)
    api.settle(page.payment.id, "paid")
    final = await session.wait(page.payment.id)
    assert final.status is PaymentStatus.PAID
    outcome = [c for c in changes if c.kind is Change.OUTCOME]
    assert [c.payment.payment_id for c in outcome if c.payment] == [page.payment.id]
    assert session.remaining_cents == 4520
    assert session.pending_entries() == []
    assert session.in_progress_invoice_ids() == set()


async def test_a_payment_followed_in_the_background() -> None:
    api = FamilleApi()
    session = await logged_in(api)
    page = await session.start_payment([api.invoices[2]], "claire@exemple.fr",
                                       idempotency_key=new_idempotency_key())
    ended = asyncio.Event()
    session.subscribe(lambda c: ended.set() if c.kind is Change.OUTCOME else None)
    api.settle(page.payment.id, "refused")
    session.follow_in_background(page.payment.id)
    await asyncio.wait_for(ended.wait(), timeout=5)
    followed = session.followed(page.payment.id)
    assert followed is not None and followed.final
    listing = await session.invoices()
    assert next(i for i in listing.invoices if i.id == 2).status is InvoiceStatus.A_PAYER


async def test_an_invoice_of_a_followed_payment_reads_en_cours() -> None:
    api = FamilleApi()
    session = await logged_in(api)
    page = await session.start_payment([api.invoices[1]], "claire@exemple.fr",
                                       idempotency_key=new_idempotency_key())
    # The portal's list read a moment before it knew of the payment.
    api.invoices[1] = api.invoices[1].model_copy(update={"status": InvoiceStatus.A_PAYER})
    listing = await session.invoices()
    assert next(i for i in listing.invoices if i.id == 1).status is InvoiceStatus.EN_COURS
    assert session.following_invoice(1) is session.followed(page.payment.id)


async def test_payments_of_a_previous_run_are_resumed() -> None:
    api = FamilleApi()
    first = await logged_in(api)
    ended = await first.start_payment([api.invoices[1]], "claire@exemple.fr",
                                      idempotency_key=new_idempotency_key())
    pending = await first.start_payment([api.invoices[2]], "claire@exemple.fr",
                                        idempotency_key=new_idempotency_key())
    await first.close()
    api.settle(ended.payment.id, "paid")
    second = await logged_in(api)
    resumed = await second.resume(follow=False)
    assert {r.entry.payment_id: r.final for r in resumed} == {
        ended.payment.id: True, pending.payment.id: False}
    assert [f.payment_id for f in second.active_payments()] == [pending.payment.id]
    assert [e.payment_id for e in second.pending_entries()] == [pending.payment.id]
    assert second.remaining_cents == 4520


async def test_a_payment_found_pending_is_as_old_as_the_portal_says() -> None:
    """Issue 19, bug 8: « Temps écoulé » counts from the payment's start, not from when this
    run found it (« 9 s » was shown for a two-minute-old payment), and says how near its
    expiry is."""
    from datetime import timedelta

    api = FamilleApi()
    first = await logged_in(api)
    page = await first.start_payment([api.invoices[2]], "claire@exemple.fr",
                                     idempotency_key=new_idempotency_key())
    await first.close()
    payment = api.payments[page.payment.id]
    api.payments[payment.id] = payment.model_copy(update={
        "created_at": payment.created_at - timedelta(minutes=2),
        "expires_at": payment.expires_at - timedelta(minutes=2)})
    clock = [5000.0]
    second = FamilySession(api.profile, LAPTOP, connector_factory=api.connector,
                           clock=lambda: clock[0])
    await second.login("martin", PASSWORD)
    await second.resume(follow=False)
    followed = second.followed(payment.id)
    assert followed is not None
    assert 119 <= clock[0] - followed.started <= 125
    assert followed.elapsed(clock[0]) == clock[0] - followed.started
    left = followed.seconds_left(clock[0])
    assert left is not None and 13 * 60 - 5 <= left <= 13 * 60 + 1
    clock[0] += 14 * 60
    assert followed.seconds_left(clock[0]) == 0


# --- the end ----------------------------------------------------------------------------------


async def test_close_hands_over_and_forgets_everything() -> None:
    api = FamilleApi()
    session = await logged_in(api, KIOSK)
    page = await session.start_payment([api.invoices[1]], "claire@exemple.fr",
                                       idempotency_key=new_idempotency_key())
    session.follow_in_background(page.payment.id)
    changes = recorder(session)
    assert await session.close(hand_over=True) == 1
    assert api.logouts == 1 and api.tokens == set()
    assert session.closed and not session.logged_in
    assert session.family is None and session.remaining_cents is None
    assert session.active_payments() == [] and session.journal.entries() == []
    assert changes[-1].kind is Change.CLOSED
    assert await session.close() == 0  # once is enough


async def test_close_does_not_wait_for_a_portal_that_hangs() -> None:
    api = FamilleApi()
    hang = asyncio.Event()

    async def handle(request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            await hang.wait()
        return api.handle(request)

    session = FamilySession(
        api.profile, LAPTOP,
        connector_factory=lambda p: PortalClient(p.url, transport=httpx.MockTransport(handle)),
    )
    await session.login("martin", PASSWORD)
    await asyncio.wait_for(session.close(logout_timeout=0.2), timeout=5)
    assert session.closed


# --- a portal that offers less ----------------------------------------------------------------


class InvoicesOnly(PortalClient):
    """A Famille API connector that offers only login and invoices (as some portals do)."""

    @property
    def capabilities(self) -> frozenset[Capability]:
        return frozenset({Capability.INVOICES})

    async def family(self):  # type: ignore[no-untyped-def]
        self.require(Capability.FAMILY)
        return await super().family()


def reduced(api: FamilleApi, cls: Callable[..., PortalClient] = InvoicesOnly) -> FamilySession:
    return FamilySession(
        api.profile, LAPTOP,
        connector_factory=lambda p: cls(p.url, transport=httpx.MockTransport(api.handle)),
    )


async def test_a_portal_without_the_family_opens_the_family_space_all_the_same() -> None:
    api = FamilleApi()
    session = reduced(api)
    await session.login("martin", PASSWORD)
    await session.load_family_space()
    assert session.in_family_space
    assert session.family is None
    assert session.family_name == "Famille Martin"  # the account's
    assert session.remaining_cents == 31240 + 4520
    assert "GET family" not in api.requests
    assert not session.offers(Capability.FAMILY)
    with pytest.raises(NotOffered, match="non proposé par ce portail"):
        await session.refresh_family()


def test_the_session_reads_the_connector_of_its_dialect() -> None:
    session = FamilySession(PortalProfile(name="X", url=BASE_URL, dialect="famille-api"),
                            LAPTOP)
    assert isinstance(session.connector, PortalClient)
    assert session.journal.directory is not None
    assert isinstance(SessionPolicy(kiosk=True).journal(), PaymentJournal)
