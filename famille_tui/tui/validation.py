"""Form validation for the screens: pydantic errors and portal `field_errors` put beside fields.

The same API request models the portal validates with (`famille_tui.api`) are validated here
first, so most mistakes are shown without a round trip; what only the portal knows comes back
as `ValidationFailed.field_errors` and lands in the same place.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TypeVar

from pydantic import ValidationError
from textual.dom import DOMNode
from textual.widget import Widget

from famille_tui.api.base import EMPTY_FIELD
from famille_tui.client.errors import ApiError, FamilleError
from famille_tui.tui.widgets.form import FormField
from famille_tui.tui.widgets.loading import start_loading, stop_loading
from famille_tui.tui.widgets.notice import Notice

T = TypeVar("T")

_MESSAGES = {
    "missing": EMPTY_FIELD,
    "string_too_short": "ce champ est trop court",
    "string_too_long": "{max_length} caractères au plus",
    "too_short": "au moins {min_length} valeur",
    "too_long": "{max_length} valeurs au plus",
    "string_pattern_mismatch": "format invalide",
}

#: Special cases whose generic message would not help.
_FIELD_MESSAGES = {
    ("postal_code", "string_pattern_mismatch"):
        "code postal invalide : 5 chiffres (exemple : 42500)",
    ("phones", "too_short"): "au moins un numéro de téléphone",
}


def _field_key(loc: Iterable[int | str]) -> str:
    """`("phones", 1)` → `phones.1`; a list-level error stays `phones`."""
    return ".".join(str(part) for part in loc)


def french_errors(error: ValidationError) -> dict[str, str]:
    """Field key → French message, for the first error of each field."""
    result: dict[str, str] = {}
    for item in error.errors():
        key = _field_key(item["loc"])
        if key in result:
            continue
        kind = item["type"]
        ctx = item.get("ctx") or {}
        if kind == "value_error":
            # Our own validators (api/base.py) already speak French.
            message = str(ctx.get("error", item["msg"]))
        elif (key.split(".")[0], kind) in _FIELD_MESSAGES:
            message = _FIELD_MESSAGES[(key.split(".")[0], kind)]
        elif kind == "string_too_short" and ctx.get("min_length", 1) == 1:
            message = EMPTY_FIELD
        elif kind in _MESSAGES:
            try:
                message = _MESSAGES[kind].format(**ctx)
            except (KeyError, IndexError):
                message = "valeur invalide"
        else:
            message = "valeur invalide"
        result[key] = message[0].upper() + message[1:]
    return result


def clear_errors(root: DOMNode) -> None:
    for field in root.query(FormField):
        field.set_error(None)


def apply_errors(root: DOMNode, errors: Mapping[str, str], *,
                 aliases: Mapping[str, str] | None = None) -> list[str]:
    """Show each error beside its field; the messages that matched no field are returned.

    A key is tried as it is (`phones.1`), then through `aliases`, then by its first part
    (`phones`). The first field with an error gets the focus.
    """
    aliases = aliases or {}
    unplaced: list[str] = []
    first: FormField | None = None
    for key, message in errors.items():
        field = None
        for candidate in (key, aliases.get(key), key.split(".")[0],
                          aliases.get(key.split(".")[0])):
            if not candidate:
                continue
            found = root.query(f"#field-{candidate.replace('.', '-')}")
            if found:
                field = found.first(FormField)
                break
        if field is None:
            unplaced.append(message)
            continue
        field.set_error(message)
        first = first or field
    if first is not None:
        # After the refresh: the form may still be under its loading indicator right now,
        # and nothing under it can take the focus.
        first.input.call_after_refresh(first.input.focus)
    return unplaced


async def send_form(form: Widget, notice: Notice, call: Callable[[], Awaitable[T]]) -> T | None:
    """Send a form to the portal with `form` in its loading state. The portal's field errors
    go beside their fields and, with its message, into `notice`; any other error into
    `notice`. None when it failed."""
    restore = start_loading(form)
    try:
        return await call()
    except ApiError as error:
        rest = apply_errors(form, error.field_errors)
        notice.show(" ".join([error.message, *rest]))
        return None
    except FamilleError as error:
        notice.show(error.message)
        return None
    finally:
        stop_loading(form, restore)
