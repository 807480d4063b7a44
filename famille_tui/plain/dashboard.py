"""« Mon tableau de bord »: requests history, messages (reading one marks it read), upcoming
events, news."""

from __future__ import annotations

from functools import partial

from famille_tui.api import Dashboard, Message
from famille_tui.api.clock import paris
from famille_tui.plain.prompts import GoBack, choose
from famille_tui.plain.session import Session
from famille_tui.plain.speech import (
    capitalized,
    count_words,
    date_words,
    datetime_words,
    sentence,
    spoken_text,
)


def show_dashboard(session: Session) -> None:
    while True:
        board = session.call(lambda: session.client.dashboard())
        unread = board.unread_messages
        messages = count_words(len(board.messages), "message", "messages", none="aucun message")
        if board.messages:
            messages += ", " + count_words(unread, "non lu", "non lus", none="tous lus")
        entries = [
            "Historique des demandes : "
            + count_words(len(board.requests), "demande", "demandes", none="aucune demande"),
            f"Messages : {messages}",
            "Évènements à venir : "
            + count_words(len(board.events), "évènement", "évènements", none="aucun évènement"),
            "Actualités : "
            + count_words(len(board.news), "actualité", "actualités", none="aucune actualité"),
        ]
        try:
            number = choose(session.console, "Tableau de bord", entries, key="dashboard")
        except GoBack:
            return
        if number == 1:
            show_requests(session, board)
        elif number == 2:
            try:
                show_messages(session, board.messages)
            except GoBack:
                continue
        elif number == 3:
            show_events(session, board)
        else:
            show_news(session, board)


def show_requests(session: Session, board: Dashboard) -> None:
    session.say(sentence(capitalized(
        count_words(len(board.requests), "demande", "demandes", none="aucune demande")
    )))
    for item in board.requests:
        session.say(
            f"Demande du {date_words(item.date)} : {spoken_text(item.label)}, "
            f"{item.status.lower()}."
        )


def message_words(message: Message) -> str:
    state = "lu" if message.read else "non lu"
    # The day is enough to tell them apart; the hour is read with the message.
    sent = paris(message.sent_at) if message.sent_at.tzinfo else message.sent_at
    return (
        f"{capitalized(state)}, de {spoken_text(message.sender)}, "
        f"le {date_words(sent.date())} : {spoken_text(message.subject)}"
    )


def show_messages(session: Session, messages: list[Message]) -> None:
    """A menu of messages; reading one marks it read on the portal."""
    messages = list(messages)
    while True:
        if not messages:
            session.say("Aucun message.")
            return
        number = choose(
            session.console,
            "Messages : " + count_words(len(messages), "message", "messages"),
            [message_words(m) for m in messages], key="messages",
        )
        message = messages[number - 1]
        session.say(
            f"Message de {spoken_text(message.sender)}, reçu le "
            f"{datetime_words(message.sent_at)}. Objet : {spoken_text(message.subject)}."
        )
        for line in message.body.splitlines():
            if line.strip():
                session.say(line.strip())
        if not message.read:
            read = session.call(partial(session.client.mark_message_read, message.id))
            messages[number - 1] = read
            session.say("Fin du message, marqué comme lu.")
        else:
            session.say("Fin du message.")


def show_events(session: Session, board: Dashboard) -> None:
    session.say(sentence(capitalized(
        count_words(len(board.events), "évènement à venir", "évènements à venir",
                    none="aucun évènement à venir")
    )))
    for event in board.events:
        place = f", {spoken_text(event.place)}" if event.place else ""
        session.say(f"Évènement le {date_words(event.date)} : {spoken_text(event.title)}{place}.")


def show_news(session: Session, board: Dashboard) -> None:
    session.say(sentence(capitalized(
        count_words(len(board.news), "actualité", "actualités", none="aucune actualité")
    )))
    for item in board.news:
        session.say(
            f"Actualité du {date_words(item.published)} : {sentence(spoken_text(item.title))} "
            f"{sentence(spoken_text(item.body))}"
        )
