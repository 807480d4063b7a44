"""Typed errors of the client layer, in a hierarchy a caller can catch at the right level.

Every error carries `message`: a French sentence fit to show to a parent as it is,
saying what happened and, where there is one, what to do.

    FamilleError
    ├── ConfigError                  the config file or a portal address is wrong
    │   └── InsecurePortalError      http:// on a host that is not loopback
    ├── TransportError               the portal could not be reached or understood
    │   ├── PortalUnreachable        connection refused, DNS, reset, TLS
    │   ├── PortalTimeout            no answer within the timeout
    │   └── PortalProtocolError      an answer that is not the Famille API
    ├── AuthError
    │   ├── InvalidCredentials       401 at login
    │   ├── AccountNotActivated      403 at login
    │   ├── AccountLocked            429 at login, retry_after_seconds
    │   ├── ChallengeFailed          the captcha's answer was wrong (or missing): a new code
    │   └── SessionExpired           401 later: log in again
    ├── ApiError                     any other documented error: status, code, field_errors
    │   ├── NotFound
    │   ├── ValidationFailed         field_errors: field → French message
    │   └── PaymentRejected          409 invoice not payable / payment in progress
    ├── PaymentHostNotAllowed        the payment URL is not on an allowed host
    ├── NotOffered                   this portal does not offer that (a connector's capability)
    └── CredentialStoreUnavailable   no OS keyring: nothing is stored
"""

from __future__ import annotations


class FamilleError(Exception):
    """Base of every error the client layer raises."""

    default_message = "Une erreur est survenue."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class ConfigError(FamilleError):
    default_message = "La configuration est invalide."


class InsecurePortalError(ConfigError):
    default_message = (
        "Adresse de portail refusée : seule une adresse https:// est acceptée "
        "(http:// n'est permis que sur cette machine)."
    )


class UnknownCommune(ConfigError):
    """The portal answers, but serves no commune at this address (its own list says so):
    said before any login, never after the credentials were typed."""

    default_message = "Commune inconnue sur ce portail : vérifiez l'adresse du portail."


class TransportError(FamilleError):
    default_message = "Le portail n'a pas pu être joint."


class PortalUnreachable(TransportError):
    default_message = (
        "Le portail ne répond pas. Vérifiez votre connexion à Internet, puis réessayez."
    )


class PortalTimeout(TransportError):
    default_message = "Le portail met trop de temps à répondre. Réessayez dans un instant."


class PortalProtocolError(TransportError):
    default_message = (
        "Le portail a envoyé une réponse incompréhensible. "
        "Il est peut-être en maintenance : réessayez plus tard."
    )


class AuthError(FamilleError):
    default_message = "Authentification impossible."


class InvalidCredentials(AuthError):
    default_message = "Identifiant ou mot de passe incorrect."


class AccountNotActivated(AuthError):
    default_message = (
        "Ce compte n'est pas encore activé : utilisez « Première connexion » avec le "
        "mot de passe provisoire reçu par e-mail."
    )


class AccountLocked(AuthError):
    default_message = "Compte bloqué après plusieurs essais. Réessayez plus tard."

    def __init__(self, message: str | None = None, retry_after_seconds: int | None = None) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class ChallengeFailed(AuthError):
    """The code of the login challenge (captcha) was wrong or missing; ask a new one."""

    default_message = (
        "Le code de sécurité recopié n'est pas le bon : un nouveau code est affiché, "
        "recopiez-le."
    )


class SessionExpired(AuthError):
    default_message = "Votre session a expiré. Saisissez à nouveau votre mot de passe."


class ApiError(FamilleError):
    """A documented error answer of the portal."""

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int = 0,
        code: str = "",
        field_errors: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.field_errors = field_errors or {}


class NotFound(ApiError):
    default_message = "Élément introuvable."


class ValidationFailed(ApiError):
    default_message = "Certains champs sont invalides."


class PaymentRejected(ApiError):
    default_message = "Ce paiement ne peut pas être créé."


class PaymentHostNotAllowed(FamilleError):
    default_message = (
        "Le portail a proposé une page de paiement sur un site inconnu : "
        "elle n'a pas été ouverte, par sécurité."
    )


class NotOffered(FamilleError):
    """The portal's connector lacks this capability: « … : non proposé par ce portail »."""

    default_message = "Non proposé par ce portail."

    def __init__(self, message: str | None = None, *, capability: str = "", what: str = "") -> None:
        super().__init__(message or (f"{what} : non proposé par ce portail." if what else None))
        self.capability = capability


class CredentialStoreUnavailable(FamilleError):
    default_message = (
        "Aucun trousseau de mots de passe n'est disponible sur cette machine : "
        "le mot de passe ne sera pas retenu."
    )
