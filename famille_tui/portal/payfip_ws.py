"""The portal's side of the PayFiP web service: a SOAP 1.1 client of the State's service
(or of the stand-in, `famille_tui.payfip`, which speaks the same protocol).

    service = PayfipService("https://www.payfip.gouv.fr")
    idop = service.create({"numcli": …, "exer": …, "refdet": …, "objet": …, "montant": …,
                           "mel": …, "saisie": …, "urlnotif": …, "urlredirect": …})
    service.payment_page(idop)          # where the payer's browser goes
    service.detail(idop)                # the result, server to server: the only proof

Errors: `PayfipFault(code, message)` for the service's `FonctionnelleErreur` (`P1` unknown
idOp, `P5` result not known yet, `R3`, `A2`…), `PayfipUnavailable` when it cannot be reached
or answers something else. Answers are parsed with defusedxml (no DTD, no entity) and read up
to 256 KiB; every call has explicit timeouts and follows no redirect.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape

import defusedxml.ElementTree as SafeET
import httpx
from defusedxml import DefusedXmlException

from famille_tui.payfip.soap import DETAIL_FIELDS, ENVELOPE_NS, SERVICE_NS

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
MAX_ANSWER = 256 * 1024
CREATE_FIELDS = ("exer", "mel", "montant", "numcli", "objet", "refdet", "saisie", "urlnotif",
                 "urlredirect")


class PayfipFault(Exception):
    """A `FonctionnelleErreur` of the service: its code and its (French) message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message


class PayfipUnavailable(Exception):
    """The service did not answer, or not with SOAP."""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class PayfipService:
    def __init__(self, origin: str, *, transport: httpx.BaseTransport | None = None) -> None:
        self.origin = origin.rstrip("/")
        self.service_url = f"{self.origin}/tpa/services/securite"
        self._client = httpx.Client(timeout=TIMEOUT, trust_env=False, follow_redirects=False,
                                    transport=transport)

    def payment_page(self, idop: str) -> str:
        return f"{self.origin}/tpa/paiementws.web?idop={idop}"

    def close(self) -> None:
        self._client.close()

    def create(self, fields: dict[str, str]) -> str:
        """`creerPaiementSecurise` → the idOp."""
        answer = self._call("creerPaiementSecurise", {k: fields.get(k, "") for k in CREATE_FIELDS})
        idop = answer.get("idOp", "")
        if not idop or len(idop) > 64 or not idop.isascii() or not idop.replace("-", "").isalnum():
            raise PayfipUnavailable("idOp absent ou invalide")
        return idop

    def detail(self, idop: str) -> dict[str, str]:
        """`recupererDetailPaiementSecurise` → every field of the answer (missing: "")."""
        answer = self._call("recupererDetailPaiementSecurise", {"idOp": idop})
        return {k: answer.get(k, "") for k in DETAIL_FIELDS}

    def _call(self, operation: str, args: dict[str, str]) -> dict[str, str]:
        inner = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in args.items())
        envelope = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<soap-env:Envelope xmlns:soap-env="{ENVELOPE_NS}"><soap-env:Body>'
            f'<ns0:{operation} xmlns:ns0="{SERVICE_NS}"><arg0>{inner}</arg0></ns0:{operation}>'
            "</soap-env:Body></soap-env:Envelope>"
        )
        try:
            with self._client.stream(
                "POST", self.service_url, content=envelope.encode(),
                headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'},
            ) as response:
                body = b""
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_ANSWER:
                        raise PayfipUnavailable("réponse trop volumineuse")
                status = response.status_code
        except httpx.HTTPError as error:
            raise PayfipUnavailable(type(error).__name__) from None
        if status not in (200, 500):
            raise PayfipUnavailable(f"HTTP {status}")
        return _read(body, operation)


def _read(body: bytes, operation: str) -> dict[str, str]:
    try:
        root: Element = SafeET.fromstring(body, forbid_dtd=True)
    except (SafeET.ParseError, DefusedXmlException, ValueError):
        raise PayfipUnavailable("réponse illisible") from None
    soap_body = root.find(f"{{{ENVELOPE_NS}}}Body")
    if root.tag != f"{{{ENVELOPE_NS}}}Envelope" or soap_body is None or len(soap_body) < 1:
        raise PayfipUnavailable("pas une enveloppe SOAP")
    first = soap_body[0]
    if _local(first.tag) == "Fault":
        error = next((e for e in first.iter() if _local(e.tag) == "FonctionnelleErreur"), None)
        if error is None:
            raise PayfipUnavailable("erreur technique du service")
        texts = {_local(c.tag): (c.text or "").strip()[:300] for c in error}
        raise PayfipFault(texts.get("code", "") or "?",
                          texts.get("descriptif") or texts.get("libelle") or "")
    if _local(first.tag) != operation + "Response":
        raise PayfipUnavailable("réponse d'une autre opération")
    result = next((c for c in first if _local(c.tag) == "return"), None)
    if result is None:
        return {}
    return {_local(c.tag): (c.text or "").strip()[:300] for c in result}
