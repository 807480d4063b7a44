"""SOAP 1.1 of the PayFiP web service: reading a request envelope, writing answers and
faults, and the WSDL and schemas (the interface the State publishes, which eopayment ships
a copy of: `PaiementSecuriseService`, document/literal, operations `creerPaiementSecurise`,
`recupererDetailPaiementSecurise`, `recupererDetailClient`, each with one `arg0`).

Requests are parsed with defusedxml: no DTD, no entity expansion, no external reference.
Faults are written as the JAX-WS service writes them (HTTP 500, faultstring
`fr.gouv.finances.cp.tpa.webservice.exceptions.FonctionnelleErreur`, detail
`FonctionnelleErreur {code, descriptif, libelle, severite}`), which is what eopayment reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

ENVELOPE_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SERVICE_NS = (
    "http://securite.service.tpa.cp.finances.gouv.fr/services/mas_securite/"
    "contrat_paiement_securise/PaiementSecuriseService"
)
REQUEST_NS = "http://securite.service.tpa.cp.finances.gouv.fr/requete"
RESPONSE_NS = "http://securite.service.tpa.cp.finances.gouv.fr/reponse"
FAULT_STRING = "fr.gouv.finances.cp.tpa.webservice.exceptions.FonctionnelleErreur"
OPERATIONS = ("creerPaiementSecurise", "recupererDetailPaiementSecurise", "recupererDetailClient")
#: The fields of each operation's answer, in the schema's order.
DETAIL_FIELDS = ("dattrans", "exer", "heurtrans", "idOp", "mel", "montant", "numauto",
                 "numcli", "objet", "refdet", "resultrans", "saisie")
CLIENT_FIELDS = ("libelleN1", "libelleN2", "libelleN3", "numcli")
#: Largest request envelope read.
MAX_BODY = 64 * 1024


class SoapError(Exception):
    """The request is not a SOAP call of this service (answered as a Client fault)."""


@dataclass(frozen=True)
class Call:
    operation: str
    #: The text of each child of `arg0`, by local name.
    args: dict[str, str]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_call(body: bytes) -> Call:
    if len(body) > MAX_BODY:
        raise SoapError("Requête trop volumineuse.")
    try:
        root: Element = SafeET.fromstring(body, forbid_dtd=True)
    except (SafeET.ParseError, DefusedXmlException, ValueError) as error:
        raise SoapError(f"XML illisible ({type(error).__name__}).") from None
    if root.tag != f"{{{ENVELOPE_NS}}}Envelope":
        raise SoapError("Enveloppe SOAP 1.1 attendue.")
    soap_body = root.find(f"{{{ENVELOPE_NS}}}Body")
    if soap_body is None or len(soap_body) != 1:
        raise SoapError("Un seul appel attendu dans le corps SOAP.")
    call = soap_body[0]
    name = _local(call.tag)
    if call.tag != f"{{{SERVICE_NS}}}{name}" or name not in OPERATIONS:
        raise SoapError(f"Opération inconnue : {name[:60]}.")
    args: dict[str, str] = {}
    arg0 = next((c for c in call if _local(c.tag) == "arg0"), None)
    if arg0 is not None:
        for child in arg0:
            args[_local(child.tag)[:40]] = (child.text or "").strip()[:2000]
    return Call(name, args)


def _envelope(body: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<S:Envelope xmlns:S="{ENVELOPE_NS}"><S:Body>{body}</S:Body></S:Envelope>'
    )


def answer(operation: str, fields: dict[str, str]) -> str:
    """The `…Response` of `operation`: `return` holding `fields` (in the order given)."""
    inner = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields.items())
    return _envelope(
        f'<ns2:{operation}Response xmlns:ns2="{SERVICE_NS}" xmlns:ns3="{REQUEST_NS}" '
        f'xmlns:ns4="{RESPONSE_NS}"><return>{inner}</return></ns2:{operation}Response>'
    )


def fault(code: str, message: str) -> str:
    """A `FonctionnelleErreur` fault with PayFiP's code and message."""
    detail = (
        f'<ns2:FonctionnelleErreur xmlns:ns2="{SERVICE_NS}"><code>{escape(code)}</code>'
        f"<descriptif>{escape(message)}</descriptif><libelle>{escape(message)}</libelle>"
        "<severite>2</severite></ns2:FonctionnelleErreur>"
    )
    return _envelope(
        f"<S:Fault><faultcode>S:Server</faultcode><faultstring>{FAULT_STRING}</faultstring>"
        f"<detail>{detail}</detail></S:Fault>"
    )


def client_fault(message: str) -> str:
    """Not a call of this service at all (bad XML, unknown operation)."""
    return _envelope(
        f"<S:Fault><faultcode>S:Client</faultcode><faultstring>{escape(message)}"
        "</faultstring></S:Fault>"
    )


# --- WSDL and schemas -------------------------------------------------------------------

_FAULTS = ("FonctionnelleErreur", "TechDysfonctionnementErreur", "TechIndisponibiliteErreur",
           "TechProtocolaireErreur")
_REQUEST_TYPES = {
    "creerPaiementSecurise": ("ns1:CreerPaiementSecuriseRequest",
                              "ns2:CreerPaiementSecuriseResponse"),
    "recupererDetailClient": ("ns2:RecupererDetailClientRequest",
                              "ns2:RecupererDetailClientResponse"),
    "recupererDetailPaiementSecurise": ("ns2:RecupererDetailPaiementSecuriseRequest",
                                        "ns2:RecupererDetailPaiementSecuriseResponse"),
}
_XS = 'xmlns:xs="http://www.w3.org/2001/XMLSchema"'


def _sequence(name: str, fields: tuple[str, ...]) -> str:
    items = "".join(f'<xs:element name="{f}" type="xs:string" minOccurs="0"/>' for f in fields)
    return f'<xs:complexType name="{name}"><xs:sequence>{items}</xs:sequence></xs:complexType>'


def schema(number: int, service_url: str) -> str | None:
    """`?xsd=1`: the service's elements; `?xsd=2`: the request type; `?xsd=3`: the others."""
    head = '<?xml version="1.0" encoding="UTF-8"?>'
    if number == 1:
        elements = "".join(
            f'<xs:element name="{n}" type="tns:{n}"/>'
            for n in (*_FAULTS, *(x for op in _REQUEST_TYPES for x in (op, op + "Response")))
        )
        faults = "".join(
            f'<xs:complexType name="{n}"><xs:sequence>'
            + "".join(f'<xs:element name="{f}" type="xs:string" minOccurs="0"/>'
                      for f in ("code", "descriptif", "libelle", "message"))
            + '<xs:element name="severite" type="xs:int"/></xs:sequence></xs:complexType>'
            for n in _FAULTS
        )
        wrappers = "".join(
            f'<xs:complexType name="{op}"><xs:sequence><xs:element name="arg0" type="{req}" '
            f'minOccurs="0"/></xs:sequence></xs:complexType>'
            f'<xs:complexType name="{op}Response"><xs:sequence><xs:element name="return" '
            f'type="{resp}" minOccurs="0"/></xs:sequence></xs:complexType>'
            for op, (req, resp) in _REQUEST_TYPES.items()
        )
        return (
            f'{head}<xs:schema version="1.0" targetNamespace="{SERVICE_NS}" '
            f'xmlns:ns2="{RESPONSE_NS}" xmlns:ns1="{REQUEST_NS}" xmlns:tns="{SERVICE_NS}" {_XS}>'
            f'<xs:import namespace="{REQUEST_NS}" schemaLocation="{service_url}?xsd=2"/>'
            f'<xs:import namespace="{RESPONSE_NS}" schemaLocation="{service_url}?xsd=3"/>'
            f"{elements}{wrappers}{faults}</xs:schema>"
        )
    if number == 2:
        request = ("exer", "mel", "montant", "numcli", "objet", "refdet", "saisie", "urlnotif",
                   "urlredirect")
        return (f'{head}<xs:schema version="1.0" targetNamespace="{REQUEST_NS}" {_XS}>'
                f'{_sequence("CreerPaiementSecuriseRequest", request)}</xs:schema>')
    if number == 3:
        return (
            f'{head}<xs:schema version="1.0" targetNamespace="{RESPONSE_NS}" {_XS}>'
            + _sequence("CreerPaiementSecuriseResponse", ("idOp",))
            + _sequence("RecupererDetailClientRequest", ("numCli",))
            + _sequence("RecupererDetailClientResponse", CLIENT_FIELDS)
            + _sequence("RecupererDetailPaiementSecuriseRequest", ("idOp",))
            + _sequence("RecupererDetailPaiementSecuriseResponse", DETAIL_FIELDS)
            + "</xs:schema>"
        )
    return None


def wsdl(service_url: str) -> str:
    """The WSDL, its `soap:address` being this stand-in's `service_url`."""
    messages = "".join(
        f'<message name="{n}"><part name="parameters" element="tns:{n}"/></message>'
        for op in _REQUEST_TYPES for n in (op, op + "Response")
    ) + "".join(
        f'<message name="{n}"><part name="fault" element="tns:{n}"/></message>' for n in _FAULTS
    )
    port_ops = "".join(
        f'<operation name="{op}"><input message="tns:{op}"/>'
        f'<output message="tns:{op}Response"/>'
        + "".join(f'<fault message="tns:{n}" name="{n}"/>' for n in _FAULTS)
        + "</operation>"
        for op in _REQUEST_TYPES
    )
    binding_ops = "".join(
        f'<operation name="{op}"><soap:operation soapAction=""/>'
        '<input><soap:body use="literal"/></input><output><soap:body use="literal"/></output>'
        + "".join(f'<fault name="{n}"><soap:fault name="{n}" use="literal"/></fault>'
                  for n in _FAULTS)
        + "</operation>"
        for op in _REQUEST_TYPES
    )
    imports = "".join(
        f'<xsd:schema><xsd:import namespace="{ns}" schemaLocation="{service_url}?xsd={i}"/>'
        "</xsd:schema>"
        for i, ns in ((1, SERVICE_NS), (2, REQUEST_NS), (3, RESPONSE_NS))
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:tns="{SERVICE_NS}" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" '
        f'targetNamespace="{SERVICE_NS}" name="PaiementSecuriseService">'
        f"<types>{imports}</types>{messages}"
        f'<portType name="PaiementSecuriseService">{port_ops}</portType>'
        '<binding name="PaiementSecuriseServicePortBinding" type="tns:PaiementSecuriseService">'
        '<soap:binding transport="http://schemas.xmlsoap.org/soap/http" style="document"/>'
        f"{binding_ops}</binding>"
        '<service name="PaiementSecuriseService"><port name="PaiementSecuriseServicePort" '
        'binding="tns:PaiementSecuriseServicePortBinding">'
        f'<soap:address location="{service_url}"/></port></service></definitions>'
    )
