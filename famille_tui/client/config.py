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

import dataclasses
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from ipaddress import ip_address
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import platformdirs

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


class SettingsInvalid(ValueError):
    """A value the settings refuse: `where` (« portals.0.url », « theme ») and `reason`, in
    French. `load_settings` turns it into the ConfigError a parent reads."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where} : {reason}")
        self.where = where
        self.reason = reason


def _fields_of(cls: type, data: Mapping[str, object], where: str) -> None:
    """Unknown keys are refused: a typo in config.toml must not be silently dropped."""
    known = {f.name for f in dataclasses.fields(cls)}
    for key in data:
        if key not in known:
            raise SettingsInvalid(f"{where}{key}", "réglage inconnu")


def _check_bool(value: object, where: str) -> bool:
    if isinstance(value, bool):
        return value
    raise SettingsInvalid(where, "true ou false attendu")


def _check_int(value: object, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SettingsInvalid(where, "nombre entier attendu")
    if not low <= value <= high:
        raise SettingsInvalid(where, f"entre {low} et {high}")
    return value


def _check_text(value: object, where: str, *, low: int = 0, high: int | None = None,
                optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise SettingsInvalid(where, "texte attendu")
    if len(value) < low:
        raise SettingsInvalid(where, "ce champ est obligatoire")
    if high is not None and len(value) > high:
        raise SettingsInvalid(where, f"{high} caractères au plus")
    return value


# Settings are plain dataclasses checked by hand, not pydantic models: every face reads them
# before its first frame, and pydantic (≈ 60 ms to import, ≈ 15 ms to build these three
# models) was the largest part of the TUI's start that the bare Textual app does not pay.
# They keep the small part of pydantic's interface the project uses: `model_validate`,
# `model_copy(update=…)` and `model_dump(exclude=…, exclude_defaults=…)`.


@dataclass(kw_only=True)
class PortalProfile:
    """One commune's portal: a name for people and a base URL for the client."""

    name: str
    url: str
    #: The portal's dialect (`famille-api`, …; see client/portals): None to tell from the URL.
    dialect: str | None = None

    def __post_init__(self) -> None:
        self._check("")

    def _check(self, where: str) -> None:
        _check_text(self.name, f"{where}name", low=1, high=100)
        _check_text(self.url, f"{where}url")
        try:
            self.url = normalize_portal_url(self.url)
        except ConfigError as error:
            raise SettingsInvalid(f"{where}url", error.message) from error
        _check_text(self.dialect, f"{where}dialect", high=40, optional=True)

    @classmethod
    def model_validate(cls, data: object, *, where: str = "") -> PortalProfile:
        if isinstance(data, PortalProfile):
            return data
        if not isinstance(data, Mapping):
            raise SettingsInvalid(where.rstrip(".") or "portail", "table attendue")
        _fields_of(cls, data, where)
        for key in ("name", "url"):
            if key not in data:
                raise SettingsInvalid(f"{where}{key}", "ce champ est obligatoire")
        profile = cls.__new__(cls)
        profile.name, profile.url = data["name"], data["url"]
        profile.dialect = data.get("dialect")
        profile._check(where)
        return profile

    def model_copy(self, *, update: Mapping[str, object] | None = None) -> PortalProfile:
        return dataclasses.replace(self, **(update or {}))  # type: ignore[arg-type]

    def model_dump(self) -> dict[str, object]:
        return dataclasses.asdict(self)


THEMES = ("default", "high-contrast")


@dataclass(kw_only=True)
class Settings:
    portals: list[PortalProfile] = field(default_factory=list)
    theme: Literal["default", "high-contrast"] = "default"
    animations: bool = True
    screen_reader: bool = False
    still_waiting_interval: int = 60
    kiosk: bool = False
    kiosk_idle_seconds: int = 120
    kiosk_warning_seconds: int = 30
    kiosk_staff_code_hash: str | None = None
    #: The graphical browser the staff allows at the desk (« Ouvrir ici »), a command as
    #: `BROWSER` reads it; None (the default): the desk never starts a browser.
    kiosk_browser: str | None = None
    #: Demo mode: the embedded sandbox is an allowed payment host.
    demo: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.portals, list):
            raise SettingsInvalid("portals", "liste attendue")
        self.portals = [PortalProfile.model_validate(p, where=f"portals.{i}.")
                        for i, p in enumerate(self.portals)]
        if self.theme not in THEMES:
            raise SettingsInvalid("theme", "« default » ou « high-contrast » attendu")
        for name in ("animations", "screen_reader", "kiosk", "demo"):
            _check_bool(getattr(self, name), name)
        _check_int(self.still_waiting_interval, "still_waiting_interval", 0, 3600)
        _check_int(self.kiosk_idle_seconds, "kiosk_idle_seconds", 5, 3600)
        _check_int(self.kiosk_warning_seconds, "kiosk_warning_seconds", 20, 600)
        _check_text(self.kiosk_staff_code_hash, "kiosk_staff_code_hash", optional=True)
        _check_text(self.kiosk_browser, "kiosk_browser", high=400, optional=True)

    @classmethod
    def model_validate(cls, data: object) -> Settings:
        if isinstance(data, Settings):
            return data
        if not isinstance(data, Mapping):
            raise SettingsInvalid("config", "table attendue")
        _fields_of(cls, data, "")
        return cls(**data)

    def model_copy(self, *, update: Mapping[str, object] | None = None) -> Settings:
        return dataclasses.replace(self, **(update or {}))  # type: ignore[arg-type]

    def model_dump(self, *, exclude: Iterable[str] = (),
                   exclude_defaults: bool = False) -> dict[str, object]:
        left_out = set(exclude)
        default = Settings() if exclude_defaults else None
        dump: dict[str, object] = {}
        for f in dataclasses.fields(self):
            if f.name in left_out:
                continue
            value = getattr(self, f.name)
            if default is not None and value == getattr(default, f.name):
                continue
            dump[f.name] = ([p.model_dump() for p in value] if f.name == "portals"
                            else value)
        return dump


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
    except SettingsInvalid as error:
        raise ConfigError(
            f"Le fichier {path} est invalide ({error.where} : {error.reason}).") from error


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
    top_level = {f.name for f in dataclasses.fields(Settings)} - {"portals"}
    portal_fields = {f.name for f in dataclasses.fields(PortalProfile)}
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


@dataclass(kw_only=True)
class LaunchOptions:
    """What the command line asked for, handed to the TUI, the plain interface and the commands."""

    settings: Settings = field(default_factory=Settings)
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

    def model_copy(self, *, update: Mapping[str, object] | None = None) -> LaunchOptions:
        return dataclasses.replace(self, **(update or {}))  # type: ignore[arg-type]


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
