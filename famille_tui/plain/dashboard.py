"""« Mon tableau de bord »: requests history, messages (reading one marks it read; the last
one read can be answered, on a portal that takes answers), upcoming events, news."""

from __future__ import annotations

from functools import partial

from famille_tui.api import MAX_REPLY_CHARS, Dashboard, Message
from famille_tui.api.clock import paris
from famille_tui.api.dashboard import check_reply_text
from famille_tui.client.portals.base import Capability
from famille_tui.plain.prompts import GoBack, ask_text, ask_yes_no, choose
from famille_tui.plain.session import Failed, Session
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


def reply_entry(message: Message) -> str:
    return f"Répondre au message « {spoken_text(message.subject)} »"


def show_messages(session: Session, messages: list[Message]) -> None:
    """A menu of messages; reading one marks it read on the portal. Once one is read, the
    menu's last entry answers it (after the messages: the numbers heard before stay)."""
    messages = list(messages)
    replies = session.family_session.offers(Capability.MESSAGE_REPLY)
    last: int | None = None
    while True:
        if not messages:
            session.say("Aucun message.")
            return
        entries = [message_words(m) for m in messages]
        if replies and last is not None:
            entries.append(reply_entry(messages[last]))
        number = choose(
            session.console,
            "Messages : " + count_words(len(messages), "message", "messages"),
            entries, key="messages",
        )
        if number > len(messages):
            assert last is not None
            try:
                reply_to(session, messages[last])
            except GoBack:
                session.say("Réponse non envoyée.")
            continue
        last = number - 1
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


def reply_to(session: Session, message: Message) -> None:
    """The answer typed a line at a time (an empty line ends it), read back, then sent; if
    sending fails, it is kept and sent again on request, never lost by an error."""
    console = session.console
    session.say(
        f"Réponse à « {spoken_text(message.subject)} », envoyée à "
        f"{spoken_text(message.sender)}. Tapez-la ligne par ligne ; une ligne vide la "
        f"termine ; {MAX_REPLY_CHARS} caractères au plus.")
    lines: list[str] = []

    def fits(line: str) -> str:
        line = check_reply_text(line)
        total = len("\n".join([*lines, line]))
        if total > MAX_REPLY_CHARS:
            raise ValueError(f"{MAX_REPLY_CHARS} caractères au plus, cette ligne les dépasse "
                             f"de {total - MAX_REPLY_CHARS} : tapez-la plus courte")
        return line

    while True:
        line = ask_text(console, f"Ligne {len(lines) + 1}", required=not lines, check=fits,
                        hint="une ligne vide termine" if lines else None)
        if not line:
            break
        lines.append(line)
    text = "\n".join(lines)
    session.say("Votre réponse :", *lines)
    if not ask_yes_no(console, f"L'envoyer à {spoken_text(message.sender)} ?", default=True):
        session.say("Réponse non envoyée.")
        return
    while True:
        try:
            reply = session.call(partial(session.client.reply_to_message, message.id, text))
        except Failed:
            # The reason was said; what was typed is still here.
            if ask_yes_no(console, "Réponse non envoyée. Réessayer ?", default=True):
                continue
            session.say("Réponse non envoyée.")
            return
        session.say(f"Réponse envoyée à {spoken_text(reply.to)}.")
        return


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
