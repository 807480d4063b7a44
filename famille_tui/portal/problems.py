"""Errors as the Famille API documents them: a status and `{"error": {code, message}}` in French.

Every failure path of the portal ends here: `ApiProblem` raised by the routes, FastAPI's
validation errors, Starlette's HTTP errors (404 unknown path, 405, 400 unreadable body),
an oversized body, and any unexpected exception (500 with a French sentence, the details
only in the server's log). A parent never sees a traceback or an English message.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from famille_tui.api import ErrorBody, ErrorCode, ErrorResponse
from famille_tui.api.base import EMPTY_FIELD

log = logging.getLogger("famille_tui.portal")

#: Bodies above this size are refused with 413 before anything reads them.
MAX_BODY_BYTES = 64 * 1024


class ApiProblem(Exception):
    """Raised by a route to answer with the error document."""

    def __init__(
        self,
        status: int,
        code: ErrorCode,
        message: str,
        *,
        field_errors: dict[str, str] | None = None,
        retry_after_seconds: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field_errors = field_errors
        self.retry_after_seconds = retry_after_seconds


def not_found(what: str = "Élément introuvable.") -> ApiProblem:
    return ApiProblem(404, ErrorCode.NOT_FOUND, what)


def error_response(
    status: int,
    code: ErrorCode | str,
    message: str,
    *,
    field_errors: dict[str, str] | None = None,
    retry_after_seconds: int | None = None,
) -> JSONResponse:
    body = ErrorResponse(
        error=ErrorBody(
            code=str(code),
            message=message,
            field_errors=field_errors,
            retry_after_seconds=retry_after_seconds,
        )
    )
    headers = {"Retry-After": str(retry_after_seconds)} if retry_after_seconds else None
    return JSONResponse(
        body.model_dump(mode="json", exclude_none=True), status_code=status, headers=headers
    )


_TYPE_MESSAGES = {
    "missing": EMPTY_FIELD,
    "extra_forbidden": "champ inconnu",
    "int_type": "un nombre entier est attendu",
    "int_parsing": "un nombre entier est attendu",
    "int_from_float": "un nombre entier est attendu",
    "string_type": "un texte est attendu",
    "bool_type": "vrai ou faux est attendu",
    "bool_parsing": "vrai ou faux est attendu",
    "list_type": "une liste est attendue",
    "dict_type": "un objet JSON est attendu",
    "model_type": "un objet JSON est attendu",
    "model_attributes_type": "un objet JSON est attendu",
    "string_pattern_mismatch": "format invalide",
    "enum": "valeur non reconnue",
    "literal_error": "valeur non reconnue",
    "greater_than_equal": "valeur trop petite",
    "less_than_equal": "valeur trop grande",
    "date_from_datetime_parsing": "date invalide (AAAA-MM-JJ)",
    "date_parsing": "date invalide (AAAA-MM-JJ)",
}


def _french(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    if kind in ("string_too_short", "too_short"):
        if ctx.get("min_length") == 1 or ctx.get("min_length") is None:
            return EMPTY_FIELD
        return f"au moins {ctx['min_length']} éléments ou caractères"
    if kind in ("string_too_long", "too_long"):
        return f"au plus {ctx.get('max_length')} éléments ou caractères"
    return _TYPE_MESSAGES.get(kind, "valeur invalide")


def _field_name(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "corps"


async def _validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    for error in errors:
        kind = error.get("type")
        loc = tuple(error.get("loc", ()))
        # The body is not a JSON document at all (malformed, or the wrong shape at the top).
        if kind == "json_invalid" or (
            loc == ("body",) and kind in ("model_attributes_type", "dict_type", "missing")
        ):
            return error_response(
                400,
                ErrorCode.INVALID_REQUEST,
                "La requête n'est pas un document JSON valide.",
            )
    field_errors: dict[str, str] = {}
    for error in errors:
        field_errors.setdefault(_field_name(error.get("loc", ())), _french(error))
    summary = "; ".join(f"{name} : {message}" for name, message in field_errors.items())
    return error_response(
        422,
        ErrorCode.VALIDATION_ERROR,
        f"Certains champs sont invalides ({summary}).",
        field_errors=field_errors,
    )


_HTTP_MESSAGES: dict[int, tuple[ErrorCode, str]] = {
    400: (ErrorCode.INVALID_REQUEST, "La requête est illisible (JSON en UTF-8 attendu)."),
    401: (ErrorCode.UNAUTHENTICATED, "Veuillez vous connecter."),
    404: (ErrorCode.NOT_FOUND, "Cette adresse n'existe pas sur le portail."),
    405: (ErrorCode.INVALID_REQUEST, "Cette opération n'est pas permise à cette adresse."),
    413: (ErrorCode.PAYLOAD_TOO_LARGE, "La requête est trop volumineuse."),
    415: (ErrorCode.INVALID_REQUEST, "Le contenu doit être un document JSON."),
}


async def _http_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code, message = _HTTP_MESSAGES.get(
        exc.status_code, (ErrorCode.INVALID_REQUEST, "La requête n'a pas pu être traitée.")
    )
    return error_response(exc.status_code, code, message)


async def _problem_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiProblem)
    return error_response(
        exc.status,
        exc.code,
        exc.message,
        field_errors=exc.field_errors,
        retry_after_seconds=exc.retry_after_seconds,
    )


async def _unexpected_handler(request: Request, exc: Exception) -> JSONResponse:
    log.exception("Erreur inattendue sur %s %s", request.method, request.url.path)
    return error_response(
        500,
        ErrorCode.INTERNAL_ERROR,
        "Le portail a rencontré une erreur inattendue. Réessayez dans un instant.",
    )


#: SQLite's words for a disk it cannot write on (full, read-only, failing).
_STORAGE_ERRORS = ("SQLITE_FULL", "SQLITE_READONLY", "SQLITE_IOERR", "SQLITE_CANTOPEN")


async def _database_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, sqlite3.Error)
    if not str(getattr(exc, "sqlite_errorname", "")).startswith(_STORAGE_ERRORS):
        return await _unexpected_handler(request, exc)
    # Checked at start (db.storage_problem); a disk that fills or turns read-only later is
    # said as what it is, and answers again by itself once it is writable.
    log.error("Écriture impossible dans la base (%s) sur %s %s", exc, request.method,
              request.url.path)
    return error_response(
        503,
        ErrorCode.INTERNAL_ERROR,
        "Le portail ne peut pas enregistrer de données pour l'instant (disque plein ou en "
        "lecture seule) : rien n'a été changé. Réessayez plus tard.",
        retry_after_seconds=60,
    )


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(sqlite3.Error, _database_handler)
    app.add_exception_handler(ApiProblem, _problem_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
    app.add_exception_handler(Exception, _unexpected_handler)


class BodyLimitMiddleware:
    """Refuses bodies above `limit` bytes with 413, by Content-Length or while streaming,
    so that nothing reads (or stores) a huge body."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.limit
                except ValueError:
                    too_big = False
                if too_big:
                    await self._refuse(scope, receive, send)
                    return
        # Read the whole body first (at most `limit` bytes are ever held), then replay it:
        # a chunked upload cannot slip past the Content-Length check.
        chunks: list[bytes] = []
        received = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([], message, receive), send)
                return
            body = message.get("body", b"")
            received += len(body)
            if received > self.limit:
                await self._refuse(scope, receive, send)
                return
            chunks.append(body)
            more = bool(message.get("more_body", False))
        replayed: Message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([replayed], None, receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(
            413,
            ErrorCode.PAYLOAD_TOO_LARGE,
            f"La requête est trop volumineuse (au plus {self.limit // 1024} Kio).",
        )
        await response(scope, receive, send)


def _replay(messages: list[Message], extra: Message | None, receive: Receive) -> Receive:
    """A `receive` that first gives back what was already read, then the real one."""
    pending = list(messages) + ([extra] if extra is not None else [])

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
