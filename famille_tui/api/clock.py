"""Times as people in France read them: every time a page or an e-mail shows is Paris time,
written « 22/11/2026 à 14 h 05 », whatever the machine's own time zone (a UTC server showed
18:13 in an e-mail's header and 19 h 13 in its body)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

try:
    PARIS: ZoneInfo | None = ZoneInfo("Europe/Paris")
except ZoneInfoNotFoundError:  # no time zone database: UTC, and said so in each time shown
    PARIS = None


def paris_now() -> datetime:
    """Now, aware, in Paris time (UTC without a time zone database)."""
    return datetime.now(PARIS or UTC)


def paris(moment: datetime) -> datetime:
    return moment.astimezone(PARIS or UTC)


def when_text(moment: datetime) -> str:
    """« 22/11/2026 à 14 h 05 » in Paris time."""
    local = paris(moment)
    return f"{local:%d/%m/%Y} à {hour_text(local)}"


def hour_text(moment: datetime) -> str:
    """« 14 h 05 » in Paris time."""
    local = paris(moment)
    return f"{local.hour} h {local.minute:02d}" + ("" if PARIS else " (UTC)")
