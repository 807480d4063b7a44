"""The family, its entourage, the account holder's coordinates, the structure's contact."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from famille_tui.api.base import Email, Name, Phone, Request, Response


class Adult(Response):
    first_name: str
    last_name: str
    #: « Mère », « Père », « Responsable légal »…
    role: str
    email: str | None = None
    phone: str | None = None


class Child(Response):
    id: int
    first_name: str
    last_name: str
    birth_date: date
    #: « Crèche Les Pirouettes », « Restaurant scolaire »…
    structure: str


class Family(Response):
    id: int
    #: « Famille Martin »
    name: str
    adults: list[Adult]
    children: list[Child]


class Contact(Response):
    """A person of the entourage."""

    id: int
    first_name: str
    last_name: str
    #: « Grand-mère », « Voisin », « Nounou »…
    relationship: str
    phones: list[str]
    email: str | None = None
    can_pick_up: bool
    emergency_contact: bool


class ContactCreate(Request):
    first_name: Name
    last_name: Name
    relationship: Name
    phones: list[Phone] = Field(min_length=1, max_length=3)
    email: Email | None = None
    can_pick_up: bool = False
    emergency_contact: bool = False


class ContactUpdate(Request):
    """PATCH: only the fields sent change."""

    first_name: Name | None = None
    last_name: Name | None = None
    relationship: Name | None = None
    phones: list[Phone] | None = Field(default=None, min_length=1, max_length=3)
    email: Email | None = None
    can_pick_up: bool | None = None
    emergency_contact: bool | None = None


class Profile(Response):
    """The account holder's coordinates (« Mes coordonnées »)."""

    first_name: str
    last_name: str
    address: str
    postal_code: str
    city: str
    phone_home: str | None = None
    phone_mobile: str | None = None
    #: None: the parent never gave one (the leaflet's way out: `HelpContact`'s address).
    email: str | None = None


class ProfileUpdate(Request):
    """PUT: the whole document."""

    first_name: Name
    last_name: Name
    address: Name = Field(max_length=200)
    postal_code: str = Field(pattern=r"^\d{5}$")
    city: Name
    phone_home: Phone | None = None
    phone_mobile: Phone | None = None
    email: Email


class HelpContact(Response):
    """`GET help`: who to call, as the leaflets give it."""

    commune: str
    structure: str
    address: str
    postal_code: str
    city: str
    phone: str
    email: str
    opening_hours: list[str]
