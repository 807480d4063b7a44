"""`/tpa/services/securite`: the PayFiP web service (SOAP 1.1), and its WSDL at `?wsdl`.

Fault codes: `P1` « IdOp incorrect. », `P5` « Résultat de la transaction non connu. »,
`R3` (refdet), `A2` (mel) are the real service's. The real codes for an unknown numcli, a
bad amount, year, objet or saisie, or a call-back URL off the régie's origin are not public:
the stand-in answers them with codes of its own, `C1`, `M1`, `E1`, `O1`, `S1` and `U1`.
"""

from __future__ import annotations

import logging
import uuid

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from famille_tui.payfip import rules, soap
from famille_tui.payfip.service import PayfipState
from famille_tui.payfip.store import Operation, now

log = logging.getLogger("famille_tui.payfip")
router = APIRouter(include_in_schema=False)
PATH = "/tpa/services/securite"
XML = "text/xml; charset=utf-8"


class Fault(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message


def _state(request: Request) -> PayfipState:
    state: PayfipState = request.app.state.payfip
    return state


@router.get(PATH)
def description(request: Request) -> Response:
    state = _state(request)
    if "wsdl" in request.query_params:
        return Response(soap.wsdl(state.service_url), media_type=XML)
    number = request.query_params.get("xsd", "")
    text = soap.schema(int(number), state.service_url) if number in ("1", "2", "3") else None
    if text is None:
        return Response("Service PayFiP : WSDL à l'adresse ?wsdl\n", status_code=404,
                        media_type="text/plain; charset=utf-8")
    return Response(text, media_type=XML)


@router.post(PATH)
async def call(request: Request) -> Response:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > soap.MAX_BODY:
            break
    try:
        parsed = soap.parse_call(body)
    except soap.SoapError as error:
        return Response(soap.client_fault(str(error)), status_code=500, media_type=XML)
    try:
        fields = await run_in_threadpool(_perform, _state(request), parsed)
    except Fault as fault:
        # SOAP 1.1 carries faults with HTTP 500: what JAX-WS does and zeep expects.
        return Response(soap.fault(fault.code, fault.message), status_code=500, media_type=XML)
    return Response(soap.answer(parsed.operation, fields), media_type=XML)


def _perform(state: PayfipState, call: soap.Call) -> dict[str, str]:
    if call.operation == "creerPaiementSecurise":
        return _create(state, call.args)
    if call.operation == "recupererDetailPaiementSecurise":
        return _detail(state, call.args.get("idOp", ""))
    return _client(state, call.args.get("numCli", ""))


def _create(state: PayfipState, args: dict[str, str]) -> dict[str, str]:
    fields = {k: args.get(k, "") for k in ("numcli", "exer", "refdet", "objet", "montant",
                                             "mel", "saisie", "urlnotif", "urlredirect")}
    regie = state.regie(fields["numcli"])
    if regie is None:
        raise Fault("C1", "Numéro de client inconnu.")
    if not rules.REFDET.fullmatch(fields["refdet"]):
        raise Fault("R3", "Le format du paramètre REFDET n'est pas conforme")
    if rules.email_problem(fields["mel"]):
        raise Fault("A2", "Adresse mél incorrecte.")
    if rules.amount_problem(fields["montant"]):
        raise Fault("M1", "Le montant doit être compris entre 1\u00a0€ et 100\u00a0000\u00a0€.")
    if not rules.EXER.fullmatch(fields["exer"]):
        raise Fault("E1", "Le format du paramètre EXER n'est pas conforme")
    if not rules.OBJET.fullmatch(fields["objet"]):
        raise Fault("O1", "Le format du paramètre OBJET n'est pas conforme")
    if fields["saisie"] not in rules.SAISIE_WS:
        raise Fault("S1", "Le format du paramètre SAISIE n'est pas conforme")
    for name in ("urlnotif", "urlredirect"):
        if not regie.may_call(fields[name]):
            raise Fault("U1", f"Le paramètre {name.upper()} n'est pas une adresse de la "
                              "collectivité.")
    created = now()
    f = fields
    op = Operation(id=str(uuid.uuid4()), protocol="ws", numcli=f["numcli"], exer=f["exer"],
                   refdet=f["refdet"], objet=f["objet"], montant=f["montant"], mel=f["mel"],
                   saisie=f["saisie"], urlnotif=f["urlnotif"], urlredirect=f["urlredirect"],
                   created_at=created, expires_at=created + state.ttl)
    state.store.create(op)
    log.info("idOp %s créé pour %s (%s centimes)", op.id, op.numcli, op.montant)
    return {"idOp": op.id}


def _detail(state: PayfipState, idop: str) -> dict[str, str]:
    op = state.store.get(idop)
    if op is None or op.protocol != "ws":
        raise Fault("P1", "IdOp incorrect.")
    if op.resultrans is None:
        raise Fault("P5", "Résultat de la transaction non connu.")
    values = {
        "dattrans": op.dattrans or "", "exer": op.exer, "heurtrans": op.heurtrans or "",
        "idOp": op.id, "mel": op.mel, "montant": op.montant, "numauto": op.numauto or "",
        "numcli": op.numcli, "objet": op.objet, "refdet": op.refdet,
        "resultrans": op.resultrans, "saisie": op.saisie,
    }
    return {k: values[k] for k in soap.DETAIL_FIELDS}


def _client(state: PayfipState, numcli: str) -> dict[str, str]:
    regie = state.regie(numcli)
    if regie is None:
        raise Fault("C1", "Numéro de client inconnu.")
    return {"libelleN1": regie.name, "libelleN2": "", "libelleN3": "", "numcli": regie.numcli}
