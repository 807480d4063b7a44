"""Pages about the portal itself: the communes, the demo outbox, a home page for people."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from famille_tui.api import Commune, OutboxMessage
from famille_tui.api.clock import when_text
from famille_tui.api.money import format_euros
from famille_tui.portal.billing import expire_due
from famille_tui.portal.deps import CommuneRow, Db, State
from famille_tui.portal.html import e, page
from famille_tui.portal.problems import not_found

api_router = APIRouter(tags=["portail"])
origin_router = APIRouter(tags=["portail"])
pages_router = APIRouter(include_in_schema=False)

BANNER = "<strong>famille-tui</strong> – portail de référence (démonstration)"
PLAIN_BANNER = "<strong>famille-tui</strong> – portail de référence"


@origin_router.get("/communes", response_model=list[Commune])
def communes(db: Db, state: State) -> list[Commune]:
    origin = state.config.public_origin  # never the request's Host header
    return [
        Commune(slug=r["slug"], name=r["name"], base_url=f"{origin}/{r['slug']}/")
        for r in db.execute("SELECT slug, name FROM communes ORDER BY name")
    ]


def _outbox(db: Db, state: State, commune: CommuneRow) -> list[OutboxMessage]:
    if not state.config.demo:
        raise not_found("La boîte d'envoi n'est visible que sur un portail de démonstration.")
    return [
        OutboxMessage(id=r["id"], sent_at=r["sent_at"], to=r["to_addr"], subject=r["subject"],
                      body=r["body"])
        for r in db.execute(
            "SELECT * FROM outbox WHERE commune = ? ORDER BY id", (commune["slug"],)
        )
    ]


@api_router.get("/demo/outbox", response_model=list[OutboxMessage])
def outbox(db: Db, state: State, commune: CommuneRow) -> list[OutboxMessage]:
    """Every e-mail sent for this commune, oldest first (demo portal only)."""
    return _outbox(db, state, commune)


@pages_router.get("/{commune}/outbox", response_class=HTMLResponse)
def outbox_page(db: Db, state: State, commune: CommuneRow) -> HTMLResponse:
    messages = list(reversed(_outbox(db, state, commune)))
    items = "".join(
        f"<article><h2>{e(m.subject)}</h2><dl><dt>À</dt><dd>{e(m.to)}</dd>"
        f"<dt>Envoyé le</dt><dd>{e(when_text(m.sent_at))}</dd></dl>"
        f"<pre>{e(m.body)}</pre></article>"
        for m in messages
    ) or "<p>Aucun e-mail envoyé pour l'instant.</p>"
    body = (
        f"<h1>E-mails envoyés – {e(commune['name'])}</h1>"
        f"<p>{len(messages)} e-mail{'s' if len(messages) != 1 else ''}, du plus récent au plus "
        "ancien, heure de Paris. Sur un vrai portail, ils partiraient vers les boîtes des "
        "familles.</p>"
        f'<p><a href="/">Retour à l\'accueil du portail</a></p>{items}'
    )
    return page(f"E-mails envoyés – {commune['name']}", body, banner=BANNER)


@pages_router.get("/", response_class=HTMLResponse)
def home(db: Db, state: State) -> HTMLResponse:
    origin = state.config.public_origin
    rows = db.execute("SELECT slug, name, structure FROM communes ORDER BY name").fetchall()
    if not state.config.demo:
        # Nothing here anyone could use to get in: no account, no outbox, no test card.
        items = "".join(
            f"<li><strong>{e(r['name'])}</strong> ({e(r['structure'])})<br>"
            f"Adresse pour famille-tui : <code>{e(origin)}/{e(r['slug'])}/</code></li>"
            for r in rows
        )
        body = (
            "<h1>Portail famille</h1>"
            "<p>Ce serveur joue le rôle des portails famille de ces communes.</p>"
            f"<ul>{items}</ul>"
            '<p><a href="/docs">Documentation de l\'API</a> · '
            '<a href="/openapi.json">openapi.json</a></p>'
        )
        return page("Portail famille", body, banner=PLAIN_BANNER)
    items = "".join(
        f"<li><strong>{e(r['name'])}</strong> ({e(r['structure'])})<br>"
        f"Adresse pour famille-tui : <code>{e(origin)}/{e(r['slug'])}/</code><br>"
        f'<a href="/{e(r["slug"])}/outbox">E-mails envoyés (boîte d\'envoi)</a></li>'
        for r in rows
    )
    body = (
        "<h1>Portail famille de démonstration</h1>"
        "<p>Ce serveur joue le rôle des portails famille de deux communes. Les paiements "
        "passent par le service PayFiP de démonstration"
        + (f" (<code>{e(state.config.payfip_origin)}</code>)" if state.config.payfip_origin
           else "") + " : aucune somme n'est débitée.</p>"
        f"<ul>{items}</ul>"
        "<h2>Comptes de démonstration</h2><ul>"
        "<li><code>martin</code> / <code>demo-martin</code></li>"
        "<li><code>durand</code> / <code>demo-durand</code></li>"
        "<li><code>bernard</code> : compte à activer, mot de passe provisoire dans la boîte "
        "d'envoi</li></ul>"
        "<h2>Cartes de test</h2><ul>"
        "<li>4111 1111 1111 1111 : paiement accepté</li>"
        "<li>4000 0000 0000 0002 : paiement refusé</li></ul>"
        f"<p>PayFiP accepte de {e(format_euros(100))} à {e(format_euros(10_000_000))}.</p>"
        '<p><a href="/docs">Documentation de l\'API</a> · '
        '<a href="/openapi.json">openapi.json</a></p>'
    )
    return page("Portail famille de démonstration", body, banner=BANNER)


_SHORT_LINK_GONE = {
    "paid": "Ce paiement est déjà réglé : il n'y a plus rien à payer.",
    "refused": "Ce paiement a été refusé. Recommencez depuis votre Espace famille.",
    "cancelled": "Ce paiement a été abandonné. Recommencez depuis votre Espace famille.",
    "expired": "Ce lien de paiement a expiré. Recommencez depuis votre Espace famille.",
}


@pages_router.get("/p/{payment_id}", response_class=HTMLResponse)
def short_payment_link(payment_id: str, db: Db, state: State) -> Response:
    """The short link of a payment (`Payment.short_url`), for a QR code read by a phone:
    sends the browser on to the payment page while the payment is pending. The id is a
    random capability, like the payment page's own address; nothing here changes state."""
    row = None
    if len(payment_id) <= 64:
        expire_due(db, state.watch)
        row = db.execute(
            "SELECT status, payment_url FROM payments WHERE id = ?", (payment_id,)
        ).fetchone()
    if row is None:
        unknown = "<h1>Paiement</h1><p>Ce lien de paiement est inconnu.</p>"
        return page("Paiement", unknown, banner=BANNER, status_code=404)
    if row["status"] == "pending":
        return RedirectResponse(row["payment_url"], status_code=303)
    message = _SHORT_LINK_GONE.get(row["status"], "Ce paiement n'est plus en attente.")
    return page("Paiement", f"<h1>Paiement</h1><p>{e(message)}</p>", banner=BANNER)
