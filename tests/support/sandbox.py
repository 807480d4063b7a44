"""`pay_in_sandbox`: a browser stand-in that walks the PayFiP stand-in's HTML forms
(`famille_tui.payfip`: the TIPI `paiement.web` and the web service's `paiementws.web?idop=`
pages are the same steps).

It does what a person does in the browser: opens the payment URL, keeps the prefilled
invoice number and e-mail, picks a card type, types the card, and presses « Valider »,
« Continuer », « Payer »… or « Annuler ». Only the standard HTML of the pages is used
(forms, inputs, buttons), as a browser without JavaScript would; like a browser, it keeps
the session cookie and sends `Origin` with each form.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx

ACCEPTED_CARD = "4111 1111 1111 1111"
REFUSED_CARD = "4000 0000 0000 0002"


class _Form(HTMLParser):
    """The first form of a page: its action, fields and submit buttons; and the page text."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.method = "get"
        self.fields: dict[str, str] = {}
        self.buttons: list[tuple[str, str, str]] = []  # (name, value, label)
        self.text: list[str] = []
        self._in_form = False
        self._done = False
        self._button: tuple[str, str] | None = None
        self._button_label: list[str] = []
        self._select: str | None = None
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in ("style", "script"):
            self._skip += 1
        if tag == "form" and not self._done:
            self._in_form = True
            self.action = a.get("action", "")
            self.method = a.get("method", "get").lower()
        if not self._in_form:
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            name = a.get("name")
            if not name:
                return
            if kind == "radio" or kind == "checkbox":
                if "checked" in a or name not in self.fields:
                    self.fields[name] = a.get("value", "on")
            elif kind not in ("submit", "button", "reset"):
                self.fields[name] = a.get("value", "")
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select:
            if self._select not in self.fields or "selected" in a:
                self.fields[self._select] = a.get("value", "")
        elif tag == "button" and a.get("type", "submit") == "submit":
            self._button = (a.get("name", ""), a.get("value", ""))
            self._button_label = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip -= 1
        if tag == "form" and self._in_form:
            self._in_form = False
            self._done = True
        elif tag == "select":
            self._select = None
        elif tag == "button" and self._button is not None:
            label = " ".join("".join(self._button_label).split())
            self.buttons.append((*self._button, label))
            self._button = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.text.append(data)
        if self._button is not None:
            self._button_label.append(data)


def _parse(html: str) -> _Form:
    form = _Form()
    form.feed(html)
    return form


def page_text(html: str) -> str:
    """The visible text of a page, one space between words."""
    return " ".join(" ".join(_parse(html).text).split())


class SandboxError(AssertionError):
    """The sandbox answered something a browser user could not go on from."""


def _submit(
    client: httpx.Client, url: str, html: str, button_value: str, values: dict[str, str]
) -> tuple[str, str]:
    form = _parse(html)
    if form.action is None:
        raise SandboxError(f"Pas de formulaire sur la page : {page_text(html)[:300]}")
    data = dict(form.fields)
    data.update(values)
    for name, value, _label in form.buttons:
        if value == button_value:
            if name:
                data[name] = value
            break
    else:
        raise SandboxError(f"Pas de bouton « {button_value} » : {form.buttons}")
    target = urljoin(url, form.action)
    parts = urlsplit(target)
    response = client.post(target, data=data,
                           headers={"Origin": f"{parts.scheme}://{parts.netloc}"})
    return str(response.url), response.text


def standin_outbox(payment_url: str) -> list[dict[str, str]]:
    """The e-mails the PayFiP stand-in of `payment_url` « sent », oldest first."""
    parts = urlsplit(payment_url)
    answer = httpx.get(f"{parts.scheme}://{parts.netloc}/outbox.json", trust_env=False)
    answer.raise_for_status()
    return list(answer.json())


def pay_in_sandbox(
    payment_url: str,
    card: str = ACCEPTED_CARD,
    outcome: str = "pay",
    *,
    email: str | None = None,
    refdet: str | None = None,
    cancel_at: int = 1,
) -> str:
    """Walk the payment pages from `payment_url`; returns the final page's text.

    `outcome="pay"` goes through every step with `card`; `outcome="cancel"` presses
    « Annuler » at step `cancel_at` (1: invoice number and e-mail, 2: card type, 3: card).
    `email` and `refdet` replace the prefilled values, as a person editing them would."""
    return page_text(walk_payment_pages(payment_url, card, outcome, email=email, refdet=refdet,
                                        cancel_at=cancel_at))


def walk_payment_pages(
    payment_url: str,
    card: str = ACCEPTED_CARD,
    outcome: str = "pay",
    *,
    email: str | None = None,
    refdet: str | None = None,
    cancel_at: int = 1,
) -> str:
    """`pay_in_sandbox`, returning the final page's HTML (its links, e.g. the way back)."""
    if outcome not in ("pay", "cancel"):
        raise ValueError("outcome: 'pay' or 'cancel'")
    with httpx.Client(timeout=15.0, follow_redirects=True, trust_env=False) as client:
        response = client.get(payment_url)
        url, html = str(response.url), response.text
        if response.status_code != 200:
            return html
        steps: list[tuple[str, dict[str, str]]] = [
            ("continuer", {**({"mel": email} if email else {}),
                           **({"refdet": refdet} if refdet else {})}),
            ("continuer", {"type_carte": "CB"}),
            ("continuer", {"numero": card, "mois": "12", "cvv": "123"}),
        ]
        for number, (button, values) in enumerate(steps, start=1):
            if outcome == "cancel" and number == cancel_at:
                _url, html = _submit(client, url, html, "annuler", {})
                return html
            if number == 3:
                # The expiry year: the last one offered, always in the future.
                form = _parse(html)
                years = [v for k, v in form.fields.items() if k == "annee"]
                values = {**values, **({"annee": str(int(years[0]) + 1)} if years else {})}
            url, html = _submit(client, url, html, button, values)
            if _parse(html).action is None or 'role="alert"' in html:
                # No more form (a final page), or the form came back with errors to fix.
                return html
        return html
