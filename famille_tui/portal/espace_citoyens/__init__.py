"""A replica of Arpège « Espace Citoyens », the parents' site of Le Chambon-Feugerolles and
many towns, served by the embedded portal at `/{tenant}/espace-citoyens/…` from the same
database as the Famille API (`lechambonfeugerolles` → le-chambon-feugerolles, `chaponost`
→ chaponost).

It follows every public fact of `../shared/dialects/espace-citoyens.md` (what public clients
of the real site rely on; nothing there was checked live):

- root `/{tenant}/espace-citoyens/`, `Home/AccueilPublic`;
- login A: `form#idFormConnexion` with a hidden `__RequestVerificationToken` whose cookie the
  same GET sets; `POST Home/Logon` (`__RequestVerificationToken`, `username`, `password`) →
  302 to `CompteCitoyen`, or the Logon page again with `span.erreurLogin` and the form;
- login B: `POST Home/RecupererModaleConnexion` → the modal's HTML; `POST Home/LogonAjax`
  (`username`, `password`, `returnUrl`) → `{"Status": "OK", "locationHref": …}`;
- session cookie `ASP.NET_SessionIdEC`; `GET Home/LogOff`; a dead session answers HTTP 500
  or redirects to the Logon page;
- `CompteCitoyen`: links `FichePersonne/DetailPersonne?idDynamic=N` (1 the account holder,
  children from 3), avatars `pere.png`, `mere.png`, `garcon.png`, `fillette.png`,
  `agent_fille.png`, `agent_homme.png` whose `alt` is the name, `.smarties` counters;
  `DetailPersonne` with `#hMonEspaceIdentite`; `CompteCitoyen/MesDemandes`;
- `FichePersonne/DetailPersonneGetCalendrier?idDynamic=N` → the calendar JSON;
- `MonCompte`: `tr.compte` rows whose `id` is the invoice's unique id, first `.ligneCompte`
  the label, `.numero_facture` the number; `MonCompte/DetailFacture?IdFactureUnique=` with
  `#hDetailFacture_Facture` (« Facture - {number} - … »),
  `#spanDetailFacture_DatEmissionFacture`, `#spanDetailFacture_DatLimitePaiementFacture`
  (French long dates), `#spanDetailFacture_MntTotalFacture` (decimal comma);
  `MonCompte/TelechargerPdfFacture?IdFactureUnique=` → the PDF.

Where the dialect file says « not public », the replica chose, and says so here and in
docs/espace-citoyens.md:

- where « Réglée » and « Reste à payer » sit: a `td.resteAPayer` (« Reste à payer : 312,40 € »)
  and a `td.etat` (« Réglée », « À régler », « Paiement en cours » while a Famille API payment
  is pending) in each row; `#spanDetailFacture_MntResteAPayer` and `p.etatFacture` in the
  detail; « Aucune facture. » (`p.aucuneFacture`) when there is none;
- the URL and method of « Payer la facture », and how the portal learns of a payment:
  `paying.py` (a form POST answered by a 302 to TIPI `paiement.web` with `refdet` and `mel`
  left for the parent to type; the TIPI notification to a per-payment secret `urlcl`);
- when a dead session is a 500 and when a redirect: AJAX calls (`X-Requested-With`) get the
  500, pages the 302 to `Home/Logon?ReturnUrl=…`;
- which interface each tenant has: Le Chambon-Feugerolles the classic form, Chaponost the
  newer AJAX one (its home has no form); `LogonAjax`'s failure `{"Status": "KO", "Message"}`;
- a wrong anti-forgery token is HTTP 500 (ASP.NET MVC's HttpAntiForgeryException); the
  anti-forgery cookie is named `__RequestVerificationToken_{hash of the root}` (not public);
- how names are written (`alt="Claire MARTIN"`), and the labelled fields of DetailPersonne
  (« Prénom », « Nom », « Date de naissance », « Structure », « Qualité », « Lien »,
  « Courriel », « Téléphone(s) », « Autorisé à récupérer les enfants », « À prévenir en cas
  d'urgence »), and of DetailFacture (« Prestation », « Enfants », « Période »);
- logins lock as the Famille API's do (the same `authenticate`), and say so in
  `span.erreurLogin`.
"""

from famille_tui.portal.espace_citoyens.routes import install
from famille_tui.portal.espace_citoyens.store import TENANTS, Tenant

__all__ = ["TENANTS", "Tenant", "install"]
