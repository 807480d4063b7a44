"""Settings: the config file (TOML in the user's config directory) and the user's directories.

    # ~/.config/famille-tui/config.toml
    theme = "default"            # or "high-contrast"
    animations = true
    screen_reader = false
    still_waiting_interval = 60  # screen-reader mode: seconds between « toujours en attente »
    kiosk = false                # a config file the staff controls
    kiosk_idle_seconds = 120
    kiosk_warning_seconds = 30
    kiosk_staff_code_hash = "scrypt$..."   # `famille-tui kiosk-code` makes it
    kiosk_browser = "chromium --incognito"  # optional: the only browser a desk may open

    [[portals]]
    name = "Le Chambon-Feugerolles"
    url = "https://www.espace-citoyens.net/lechambonfeugerolles/"
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from ipaddress import ip_address
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from famille_tui.client.errors import ConfigError, InsecurePortalError

APP_NAME = "famille-tui"


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def normalize_portal_url(url: str) -> str:
    """A commune's base URL, ending with « / »; https required unless the host is loopback."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"Adresse de portail invalide : « {url} ».")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise InsecurePortalError()
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigError(f"Adresse de portail invalide : « {url} ».")
    return url if url.endswith("/") else url + "/"


class PortalProfile(BaseModel):
    """One commune's portal: a name for people and a base URL for the client."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    url: str
    #: The portal's dialect (`famille-api`, …; see client/portals): None to tell from the URL.
    dialect: str | None = Field(default=None, max_length=40)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        try:
            return normalize_portal_url(value)
        except ConfigError as error:
            raise ValueError(error.message) from error


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    portals: list[PortalProfile] = Field(default_factory=list)
    theme: Literal["default", "high-contrast"] = "default"
    animations: bool = True
    screen_reader: bool = False
    still_waiting_interval: int = Field(default=60, ge=0, le=3600)
    kiosk: bool = False
    kiosk_idle_seconds: int = Field(default=120, ge=5, le=3600)
    kiosk_warning_seconds: int = Field(default=30, ge=20, le=600)
    kiosk_staff_code_hash: str | None = None
    #: The graphical browser the staff allows at the desk (« Ouvrir ici »), a command as
    #: `BROWSER` reads it; None (the default): the desk never starts a browser.
    kiosk_browser: str | None = Field(default=None, max_length=400)
    #: Demo mode: the embedded sandbox is an allowed payment host.
    demo: bool = False


def config_dir() -> Path:
    return Path(os.environ.get("FAMILLE_TUI_CONFIG_DIR") or platformdirs.user_config_dir(APP_NAME))


def state_dir() -> Path:
    """Where payments in progress are journaled."""
    return Path(os.environ.get("FAMILLE_TUI_STATE_DIR") or platformdirs.user_state_dir(APP_NAME))


def data_dir() -> Path:
    """Where the embedded portal keeps its SQLite file by default."""
    return Path(os.environ.get("FAMILLE_TUI_DATA_DIR") or platformdirs.user_data_dir(APP_NAME))


def download_dir() -> Path:
    return Path(os.environ.get("FAMILLE_TUI_DOWNLOAD_DIR") or platformdirs.user_downloads_dir())


def config_path() -> Path:
    return config_dir() / "config.toml"


def load_settings(path: Path | None = None) -> Settings:
    """Read the config file; a missing file gives the defaults, a broken one a ConfigError."""
    path = path or config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Settings()
    except OSError as error:
        raise ConfigError(f"Lecture impossible de {path} : {error.strerror}.") from error
    try:
        data = _settings_under_portals_lifted(tomllib.loads(raw.decode("utf-8")))
        return Settings.model_validate(data)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"Le fichier {path} n'est pas un TOML valide : {error}.") from error
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        why = _VALIDATION_WORDS.get(first["type"], first["msg"])
        raise ConfigError(f"Le fichier {path} est invalide ({where} : {why}).") from error


#: pydantic's reasons a person may meet in a config file, in French (others as pydantic says).
_VALIDATION_WORDS = {
    "extra_forbidden": "réglage inconnu",
    "missing": "obligatoire",
    "bool_parsing": "true ou false attendu",
    "bool_type": "true ou false attendu",
    "int_parsing": "nombre entier attendu",
    "int_type": "nombre entier attendu",
    "string_type": "texte entre guillemets attendu",
    "literal_error": "valeur non prévue",
    "greater_than_equal": "trop petit",
    "less_than_equal": "trop grand",
}


def _settings_under_portals_lifted(data: dict[str, object]) -> dict[str, object]:
    """A line of the top of the file that landed under a `[[portals]]` table is lifted back
    to the top. `famille-tui kiosk-code >> config.toml` (docs/kiosk.md) appends its line at
    the end, and TOML gives every line after `[[portals]]` to that portal: a desk set up as
    documented, on a file that already lists portals (`famille-tui demo` writes them), would
    otherwise refuse to start. Only names that are settings and no portal field are lifted,
    and never over the same name set at the top."""
    portals = data.get("portals")
    if not isinstance(portals, list):
        return data
    top_level = set(Settings.model_fields) - {"portals"}
    portal_fields = set(PortalProfile.model_fields)
    lifted = dict(data)
    for portal in portals:
        if not isinstance(portal, dict):
            continue
        for name in [k for k in portal if k in top_level and k not in portal_fields]:
            if name in lifted:
                continue  # said as an unknown portal setting by the validation
            lifted[name] = portal.pop(name)
    return lifted


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def dump_settings(settings: Settings) -> str:
    lines: list[str] = []
    for key, value in settings.model_dump(exclude={"portals"}, exclude_defaults=True).items():
        if value is not None:
            lines.append(f"{key} = {_toml_value(value)}")
    for portal in settings.portals:
        lines += ["", "[[portals]]", f"name = {_toml_value(portal.name)}"]
        lines.append(f"url = {_toml_value(portal.url)}")
        if portal.dialect:
            lines.append(f"dialect = {_toml_value(portal.dialect)}")
    return "\n".join(lines) + "\n"


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write the config file atomically (a crash never leaves half a file)."""
    path = path or config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(dump_settings(settings), encoding="utf-8")
    os.replace(tmp, path)


class LaunchOptions(BaseModel):
    """What the command line asked for, handed to the TUI, the plain interface and the commands."""

    model_config = ConfigDict(extra="forbid")

    settings: Settings = Field(default_factory=Settings)
    #: `--portal URL`: one portal for this run (already normalised).
    portal_url: str | None = None
    #: `--commune NAME`: a configured portal by slug or name.
    commune: str | None = None
    #: `--login ID`
    login: str | None = None
    #: `--dialect NAME`: the dialect of `--portal` (else told from its URL).
    dialect: str | None = None
    kiosk: bool = False
    screen_reader: bool = False
    demo: bool = False
    debug: bool = False
    #: A sentence every face says first (`famille-tui demo`: where its portal is when it is
    #: not where the README says).
    start_notice: str | None = None


def commune_slug(url: str) -> str:
    """`http://127.0.0.1:8765/le-chambon-feugerolles/` → `le-chambon-feugerolles`;
    `…/lechambonfeugerolles/espace-citoyens/` → `lechambonfeugerolles` (the tenant)."""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if len(segments) >= 2 and segments[-1].lower() == "espace-citoyens":
        return segments[-2]
    return segments[-1] if segments else ""


def _folded(name: str) -> str:
    """A commune's name as `--commune` compares it: « Le Chambon-Feugerolles »,
    `le-chambon-feugerolles` and the Espace Citoyens tenant `lechambonfeugerolles` alike."""
    import unicodedata

    letters = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in letters if c.isalnum() and not unicodedata.combining(c))


def resolve_portals(options: LaunchOptions) -> list[PortalProfile]:
    """The portals this run may use: `--portal`, else `--commune` among the configured ones,
    else all configured ones (the UI lets the user pick when there are several)."""
    if options.portal_url:
        # A portal at the root of its site (Noethysweb) is named by its host.
        name = commune_slug(options.portal_url) or urlsplit(options.portal_url).netloc
        return [PortalProfile(name=name or options.portal_url,
                              url=options.portal_url, dialect=options.dialect)]
    portals = options.settings.portals
    if options.commune:
        wanted = _folded(options.commune)
        chosen = [p for p in portals if wanted in (_folded(p.name), _folded(commune_slug(p.url)))]
        if not chosen:
            known = ", ".join(commune_slug(p.url) for p in portals) or "aucune"
            raise ConfigError(
                f"Commune inconnue : « {options.commune} ». Communes configurées : {known}."
            )
        return chosen
    return list(portals)


def _env_flag(environ: Mapping[str, str], name: str) -> bool:
    return environ.get(name, "").strip().lower() in ("1", "true", "yes", "oui")


def _accessible(environ: Mapping[str, str]) -> bool:
    """`ACCESSIBLE` set to anything but « 0 »/« false » (huh's and GitHub CLI's convention),
    or `TERM=dumb`."""
    value = environ.get("ACCESSIBLE", "").strip().lower()
    if value and value not in ("0", "false", "no", "non"):
        return True
    return environ.get("TERM", "").strip() == "dumb"


def launch_options(
    settings: Settings,
    *,
    portal: str | None = None,
    commune: str | None = None,
    login: str | None = None,
    dialect: str | None = None,
    kiosk: bool | None = None,
    screen_reader: bool | None = None,
    demo: bool = False,
    debug: bool = False,
    start_notice: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> LaunchOptions:
    """The one way `LaunchOptions` are made from a command line (the faces' and the
    commands'): `--portal` normalised (ConfigError if invalid), kiosk, screen reader and
    demo mode from the options, the config file or the environment (FAMILLE_TUI_SCREEN_READER=1,
    ACCESSIBLE=1 as GitHub CLI and huh read it, or TERM=dumb: a terminal that cannot draw the
    full-screen app)."""
    environ = os.environ if environ is None else environ
    return LaunchOptions(
        settings=settings,
        portal_url=normalize_portal_url(portal) if portal else None,
        commune=commune,
        login=login,
        dialect=dialect,
        kiosk=bool(kiosk or settings.kiosk),
        screen_reader=bool(
            screen_reader or settings.screen_reader
            or _env_flag(environ, "FAMILLE_TUI_SCREEN_READER")
            or _accessible(environ)
        ),
        demo=demo or settings.demo,
        debug=debug,
        start_notice=start_notice,
    )
