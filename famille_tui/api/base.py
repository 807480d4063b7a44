"""Base classes and shared field types of the Famille API contract."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints


class Response(BaseModel):
    """A document the portal sends. Unknown fields are ignored so that a newer
    portal does not break an older client."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class Request(BaseModel):
    """A document the client sends. Unknown fields are refused: a typo must not
    be silently dropped by the portal."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


#: Money is always an integer number of cents, never a float.
Cents = Annotated[int, Field(ge=0, le=100_000_000_000)]

_PHONE = re.compile(r"^(?:\+33|0033|0)[1-9](?:\d{8})$")
_EMAIL = re.compile(
    r"^[^@\s<>\"']{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$"
)
_REFDET = re.compile(r"^[A-Za-z0-9]{6,30}$")


def normalize_phone(value: str) -> str:
    """A French phone number, spaces, dots and dashes allowed: « 04 77 06 20 10 »."""
    compact = re.sub(r"[\s.\-]", "", value)
    if not _PHONE.fullmatch(compact):
        raise ValueError("numéro de téléphone invalide (exemple : 06 12 34 56 78)")
    if compact.startswith("+33"):
        compact = "0" + compact[3:]
    elif compact.startswith("0033"):
        compact = "0" + compact[4:]
    return " ".join(compact[i : i + 2] for i in range(0, 10, 2))


def check_email(value: str) -> str:
    value = value.strip()
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        raise ValueError("adresse électronique invalide (exemple : prenom.nom@exemple.fr)")
    return value


def check_refdet(value: str) -> str:
    if not _REFDET.fullmatch(value):
        raise ValueError("référence de facture invalide (6 à 30 lettres ou chiffres)")
    return value


#: The one sentence for a field left empty, whoever checks it (the portal, the client, every
#: face: `famille_tui.tui.widgets.form.EMPTY_FIELD` is the same words).
EMPTY_FIELD = "ce champ est obligatoire"


def check_name(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError(EMPTY_FIELD)
    if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in value):
        raise ValueError("caractères de contrôle interdits")
    return value


Phone = Annotated[str, Field(max_length=32), AfterValidator(normalize_phone)]
Email = Annotated[str, Field(max_length=254), AfterValidator(check_email)]
Name = Annotated[str, Field(max_length=80), AfterValidator(check_name)]
Login = Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]
Password = Annotated[str, StringConstraints(min_length=1, max_length=256)]
Refdet = Annotated[str, AfterValidator(check_refdet)]
