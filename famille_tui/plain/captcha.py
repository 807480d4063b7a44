"""The portal's captcha (« code de sécurité ») for a parent who may not see it.

On a portal that asks one (Noethysweb), the code is asked as a line of text, with three
words that are not codes: « a » plays its spoken version (through the system's player, else
saved in the download directory and its path said: `client.audio`), « i » draws the image
in half blocks for a parent who can read it, « n » fetches a new code. A portal that serves
no sound says so (`NotOffered`), in words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from famille_tui.client.errors import FamilleError
from famille_tui.plain.prompts import ask_text
from famille_tui.plain.speech import speakable

if TYPE_CHECKING:
    from famille_tui.client.session import FamilySession
    from famille_tui.plain.console import Console

#: Answers that are commands, not codes.
LISTEN, IMAGE, NEW_CODE = "a", "i", "n"
HINT = "a pour l'écouter, i pour voir l'image, n pour un nouveau code"


async def answer_challenge(console: Console, session: FamilySession) -> str | None:
    """The code the parent typed for the portal's current captcha, or None when the portal
    asks none. Raises GoBack (« 0 ») and the portal's errors."""
    from famille_tui.client.audio import play_or_save
    from famille_tui.client.captcha import CaptchaImageError, captcha_lines

    challenge = await session.login_challenge()
    if challenge is None:
        return None
    console.say("Ce portail demande de recopier un code de sécurité (captcha) pour se "
                "connecter.")
    while True:
        answer = ask_text(console, "Code de sécurité", hint=HINT).strip()
        word = answer.lower()
        if word == LISTEN:
            try:
                wav = await session.challenge_audio(challenge)
            except FamilleError as error:
                console.say(speakable(error.message))
                continue
            console.say(speakable(play_or_save(wav).message))
        elif word == IMAGE:
            try:
                console.say(*captcha_lines(challenge.image_png or b""))
            except CaptchaImageError as error:
                console.say(speakable(error.message))
        elif word == NEW_CODE:
            challenge = await session.login_challenge()
            if challenge is None:
                return None
            console.say("Nouveau code de sécurité prêt.")
        else:
            return answer
