"""« Réservations » for a screen reader: by child and by week, one numbered line per day and
service in words (« mardi 8 décembre, cantine : libre, 4 euros 32, réservable jusqu'au
vendredi 4 décembre à 12 heures »), a change by its number or several in one answer
(« 2 4 5 »), what the portal says of them before they are validated, then its answer line by
line. The deadline is said with each day; the family's next one with each week.
"""

from __future__ import annotations

import contextlib
import functools
from datetime import date, timedelta

from famille_tui.api import ChangeOutcome, ChildReservations, ReservationPeriod, Slot, SlotState
from famille_tui.client.payments import new_idempotency_key
from famille_tui.client.portals.base import Capability
from famille_tui.client.reservations import (
    SERVICE_NOUNS,
    Pending,
    PendingChanges,
    balance_words,
    day_words,
    deadline_words,
    is_offered,
    line_words,
    pending_for,
    slot_deadline_words,
    state_words,
    week_words,
)
from famille_tui.plain.prompts import GoBack, ask_selection, ask_yes_no, choose
from famille_tui.plain.session import Session
from famille_tui.plain.speech import amount_words, sentence, speakable, spoken_text


def words(text: str) -> str:
    """Client words made fit for a synthesiser (« 12 h » → « 12 heures », « 4,32 € » →
    « 4 euros 32 »)."""
    return speakable(spoken_text(text))


def slot_line(day: date, slot: Slot, today: date, now_words: str | None = None) -> str:
    """« mardi 8 décembre, cantine : libre, 4 euros 32, 31 places, réservable jusqu'au … »."""
    parts = [f"{day_words(day)}, {SERVICE_NOUNS[slot.service]} : "
             f"{state_words(slot, past=day < today)}"]
    if day >= today and slot.state in (SlotState.NOT_BOOKED, SlotState.FULL,
                                       SlotState.BOOKED, SlotState.WAITING_LIST):
        parts.append(amount_words(slot.price_cents))
        if slot.can_book and slot.places_left is not None and slot.places_left <= 5:
            left = slot.places_left
            parts.append(f"{left} place{'s' if left > 1 else ''} restante{'s' if left > 1 else ''}")
        if now_words:
            parts.append(now_words[0].lower() + now_words[1:])
    return ", ".join(words(part) for part in parts)


def closed_line(day: date, slots: list[Slot]) -> str | None:
    """One sentence for a day without any service: « lundi 21 décembre : fermé, vacances de
    Noël »; None when something runs that day."""
    if any(is_offered(s) for s in slots):
        return None
    notes = [s.note for s in slots if s.state in (SlotState.CLOSED, SlotState.PUBLIC_HOLIDAY)
             and s.note]
    if not notes:
        return None
    kind = "férié" if any(s.state is SlotState.PUBLIC_HOLIDAY for s in slots) else "fermé"
    return words(f"{day_words(day)} : {kind}, {notes[0].rstrip('.')}")


def show_reservations(session: Session) -> None:
    family = session.family_session
    listing = session.call(family.activities)
    children = [c for c in listing.children if c.activities]
    if not children:
        session.say("Aucun de vos enfants n'est inscrit à une activité à réserver.")
        return
    if listing.next_deadline is not None:
        session.say(sentence("Prochaine échéance : "
                             + words(deadline_words(listing.next_deadline, listing.now))))
    while True:
        if len(children) == 1:
            week_menu(session, children[0].child_id)
            return
        labels = [f"{c.first_name} : " + ", ".join(SERVICE_NOUNS[a.service] for a in c.activities)
                  for c in children]
        number = choose(session.console, "Réservations : de quel enfant", labels)
        try:
            week_menu(session, children[number - 1].child_id)
        except GoBack:
            continue


def week_menu(session: Session, child_id: int) -> None:
    """One child, week after week (0 leaves)."""
    family = session.family_session
    monday: date | None = None
    while True:
        period = session.call(functools.partial(
            family.reservations, monday, monday + timedelta(days=6) if monday else None,
            child_id))
        monday = period.start
        child = period.children[0]
        today = period.now.date()
        entries: list[tuple[date, Slot]] = []
        closed: list[str] = []
        for child_day in child.days:
            line = closed_line(child_day.date, child_day.slots)
            if line is not None:
                closed.append(line)
            entries.extend((child_day.date, slot) for slot in child_day.slots
                           if is_offered(slot))
        title = f"{child.first_name}, {week_words(period.start)}"
        if period.next_deadline is not None:
            title += ". Prochaine échéance : " + deadline_words(period.next_deadline, period.now)
        title += ". Prochaine facture à ce jour : " + amount_words(period.next_invoice_cents)
        session.say(sentence(words(title)))
        for line in closed:
            session.say(sentence(line))
        labels = [slot_line(day, slot, today, slot_deadline_words(slot, period.now)
                            if day >= today else None) for day, slot in entries]
        if not entries:
            session.say("Rien à réserver cette semaine.")
        editable = family.offers(Capability.RESERVATIONS_EDIT)
        actions = []
        if entries and editable:
            actions.append(("Changer plusieurs jours en une seule réponse", "several"))
        actions += [("Semaine suivante", "next"), ("Semaine précédente", "previous")]
        number = choose(session.console, None, [*labels, *(label for label, _ in actions)])
        if number > len(entries):
            action = actions[number - len(entries) - 1][1]
            if action == "next":
                monday += timedelta(days=7)
            elif action == "previous":
                monday -= timedelta(days=7)
            else:
                with contextlib.suppress(GoBack):  # 0 in a change: back to the week
                    change_several(session, child, entries, period)
            continue
        if not editable:
            session.say(Capability.RESERVATIONS_EDIT.not_offered)
            continue
        day, slot = entries[number - 1]
        change = pending_for(child.child_id, child.first_name, day, slot)
        if isinstance(change, str):
            session.say(sentence("Impossible : " + words(change)))
            continue
        with contextlib.suppress(GoBack):  # 0 in a change: back to the week
            confirm_and_send(session, [change])


def change_several(session: Session, child: ChildReservations,
                   entries: list[tuple[date, Slot]], period: ReservationPeriod) -> None:
    picked = ask_selection(session.console, "Numéros des jours à réserver ou annuler",
                           len(entries), noun="jour")
    changes: list[Pending] = []
    for number in picked:
        day, slot = entries[number - 1]
        change = pending_for(child.child_id, child.first_name, day, slot)
        if isinstance(change, str):
            session.say(sentence(f"{number} : impossible, " + words(change)))
        else:
            changes.append(change)
    if changes:
        confirm_and_send(session, changes)


def confirm_and_send(session: Session, changes: list[Pending]) -> None:
    """Say what the portal would do (a dry run), ask, send, say its answer line by line."""
    family = session.family_session
    pending = PendingChanges({(p.child_id, p.service, p.day): p for p in changes})
    requests = pending.requests()
    preview = session.call(lambda: family.change_reservations(requests, dry_run=True))
    doable = 0
    for change, line in zip(pending.ordered(), preview.lines, strict=False):
        if line.outcome in (ChangeOutcome.DONE, ChangeOutcome.NEEDS_CONFIRMATION):
            doable += 1
            session.say(sentence(words(change.words)))
        else:
            session.say(sentence(words(line_words(line))))
    if not doable:
        return
    session.say(sentence("Total : " + words(balance_words(preview.balance_cents))))
    question = "Valider ce changement ?" if doable == 1 else f"Valider ces {doable} changements ?"
    if not ask_yes_no(session.console, question):
        session.say("Rien n'a été envoyé.")
        return
    key = new_idempotency_key()  # the same on a retry: nothing booked twice
    result = session.call(lambda: family.change_reservations(requests, idempotency_key=key))
    for line in result.lines:
        session.say(sentence(words(line_words(line))))
    session.say(sentence(words(balance_words(result.balance_cents).capitalize())))
    if result.next_deadline is not None:
        session.say(sentence("Prochaine échéance : "
                             + words(deadline_words(result.next_deadline, result.now))))
