"""`{base}payfip/notification` and `{base}payfip/retour`: where PayFiP tells that a payment
is over, and where it sends the payer back. The old TIPI address `{base}tipi/notification`
is the same route.

Nothing here is a proof: whatever a request says (an idOp, a TIPI « P », by GET or POST,
from anyone), it only makes the portal ask PayFiP `recupererDetailPaiementSecurise`
(`billing.verify`), and only that answer changes a payment. Nothing of the request is
stored; the answer says nothing of the payment.
"""

from __future__ import annotations

import contextlib

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse

from famille_tui.api import ErrorCode
from famille_tui.portal.billing import notified, verify
from famille_tui.portal.deps import CommuneRow, State
from famille_tui.portal.html import e, page
from famille_tui.portal.payfip_ws import PayfipUnavailable
from famille_tui.portal.problems import error_response
from famille_tui.portal.routers.portal import BANNER

router = APIRouter(include_in_schema=False)


async def _params(request: Request) -> dict[str, str]:
    params = {k: v[:300] for k, v in request.query_params.items()}
    if request.method == "POST":
        form = await request.form()
        params.update({k: v[:300] for k, v in form.items() if isinstance(v, str)})
    return params


@router.api_route("/payfip/notification", methods=["GET", "POST"])
@router.api_route("/tipi/notification", methods=["GET", "POST"])
async def notification(request: Request, state: State, commune: CommuneRow) -> JSONResponse:
    params = await _params(request)
    try:
        await run_in_threadpool(notified, state, commune["slug"], params)
    except PayfipUnavailable:
        # PayFiP's own notification then fails, and it (or `reconcile`) tries again.
        return error_response(503, ErrorCode.INTERNAL_ERROR,
                              "Le service PayFiP ne répond pas : notification à renvoyer.")
    return JSONResponse({"resultat": "pris en compte"})


_RETURN = {
    "paid": ("Paiement enregistré", "ok",
             "Votre paiement est enregistré : la facture est « Réglée » dans votre Espace "
             "famille."),
    "refused": ("Paiement refusé", "error",
                "Le paiement a été refusé : aucune somme n'a été débitée. Vous pouvez "
                "recommencer depuis votre Espace famille."),
    "cancelled": ("Paiement abandonné", "notice",
                  "Le paiement a été abandonné : aucune somme n'a été débitée."),
    "expired": ("Paiement non abouti", "notice",
                "Le délai pour payer est dépassé : aucune somme n'a été débitée."),
}


@router.get("/payfip/retour", response_class=HTMLResponse)
async def back_from_payfip(request: Request, state: State, commune: CommuneRow) -> HTMLResponse:
    """Where PayFiP sends the payer (`urlredirect?idop=…`): the state PayFiP confirms."""
    idop = request.query_params.get("idop", "")[:64]

    def check() -> str | None:
        with contextlib.suppress(PayfipUnavailable):  # then the page says « en cours »
            verify(state, idop, commune=commune["slug"])
        with state.pool.connection() as conn:
            row = conn.execute(
                "SELECT p.status FROM payfip_operations o JOIN payments p ON p.id ="
                " o.payment_id WHERE o.idop = ? AND p.commune = ?", (idop, commune["slug"])
            ).fetchone()
        return str(row["status"]) if row else None

    status = await run_in_threadpool(check) if idop else None
    title, css, text = _RETURN.get(status or "", (
        "Paiement en cours de vérification", "notice",
        "Le résultat du paiement n'est pas encore connu : votre Espace famille l'affichera "
        "dès que PayFiP l'aura confirmé."))
    if status is None:
        title, css, text = ("Paiement inconnu", "error",
                            "Aucun paiement de ce portail ne correspond à cette adresse.")
    body = (f'<h1>{e(title)}</h1><div class="{css}" role="status"><p>{e(text)}</p>'
            "<p>Vous pouvez fermer cette page et revenir à famille-tui.</p></div>")
    return page(title, body, banner=BANNER, status_code=200 if status else 404)
