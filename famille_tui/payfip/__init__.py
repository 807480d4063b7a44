"""The PayFiP stand-in: the State's payment service, as a town's portal meets it, for demos
and tests on one machine. It holds no portal's data, only régies (a numcli, a name and the
one origin it may call back); any portal holding a numcli can pay through it, as with the
real service. It never imports `portal` or `client` (only `famille_tui.api` helpers).

It speaks both public protocols (see `/work/shared/dialects/payfip.md` and docs/payfip.md):

- **TIPI** `GET /tpa/paiement.web?numcli=&exer=&refdet=&objet=&montant=&mel=&urlcl=&saisie=`:
  the payer's browser brings the request; at the end the service POSTs the result fields to
  `urlcl`. Nothing is signed: whoever knows `urlcl` can post the same fields.
- **Web service** (SOAP 1.1 at `/tpa/services/securite`, WSDL at `?wsdl`):
  `creerPaiementSecurise` → `idOp`; the payer at `/tpa/paiementws.web?idop=…`; at the end a
  form POST holding only `idOp` to `urlnotif` and a link to `urlredirect`;
  `recupererDetailPaiementSecurise(idOp)` → the result, asked server to server: the proof.

Run it with `famille-tui payfip --regie NUMCLI=ORIGIN` or `python -m famille_tui.payfip`.
"""
