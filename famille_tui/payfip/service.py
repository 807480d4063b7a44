"""What one running stand-in knows (its origin, its régies, its store) and what it does at
the end of a payment: the Paris time of the result, and the call back to the régie.

Call backs go only to the régie's own origin (checked when the request comes and again right
before sending), never follow a redirect, and have explicit timeouts. The first attempt is
made before the payer's result page is shown (so the portal has its answer at once); if the
régie's server cannot be reached, the same call is tried again a few times in the background
(the real service's retries are not public: this schedule is the stand-in's own).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass, field

import httpx

from famille_tui.api.clock import paris_now
from famille_tui.payfip.rules import Regie, origin_of_url
from famille_tui.payfip.store import Operation, Result, Store

log = logging.getLogger("famille_tui.payfip")

#: An idOp (and a TIPI request) can be paid for this long after its creation.
DEFAULT_TTL = 15 * 60
#: Seconds before each new try of a call back that failed.
RETRY_DELAYS = (2.0, 5.0, 15.0, 60.0)
CALLBACK_TIMEOUT = httpx.Timeout(10.0, connect=5.0)

def _where(url: str) -> str:
    """A call-back address as logged: its origin only, since a régie may put a secret in
    the path (the Espace Citoyens replica's `urlcl` holds one per payment)."""
    return origin_of_url(url) or "adresse invalide"


def new_result(resultrans: str) -> Result:
    moment = paris_now()
    numauto = f"{secrets.randbelow(10**6):06d}" if resultrans == "P" else ""
    return Result(resultrans, numauto, f"{moment:%d%m%Y}", f"{moment:%H%M}", moment)


@dataclass
class PayfipState:
    #: This stand-in's own origin, as payers reach it (`http://127.0.0.1:8766`).
    origin: str
    regies: dict[str, Regie]
    store: Store
    ttl: int = DEFAULT_TTL
    retry_delays: tuple[float, ...] = RETRY_DELAYS
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def service_url(self) -> str:
        return f"{self.origin}/tpa/services/securite"

    def regie(self, numcli: str) -> Regie | None:
        return self.regies.get(numcli)

    async def call_back(self, op: Operation, result: Result) -> None:
        """The end of `op` told to the régie: the web service's `idOp` alone to `urlnotif`,
        or TIPI's result fields to `urlcl`."""
        regie = self.regie(op.numcli)
        if regie is None or not regie.may_call(op.urlnotif):
            log.warning("Rappel refusé : %r n'est pas sur l'origine de la régie %s",
                        _where(op.urlnotif), op.numcli)
            return
        if op.protocol == "ws":
            data = {"idOp": op.id}
        else:
            data = {"numcli": op.numcli, "exer": op.exer, "refdet": op.refdet,
                    "objet": op.objet, "montant": op.montant, "mel": op.mel,
                    "saisie": op.saisie, "resultrans": result.resultrans,
                    "numauto": result.numauto, "dattrans": result.dattrans,
                    "heurtrans": result.heurtrans}
        if await self._post(op.urlnotif, data):
            return
        task = asyncio.create_task(self._retry(op.urlnotif, data))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _retry(self, url: str, data: dict[str, str]) -> None:
        for delay in self.retry_delays:
            await asyncio.sleep(delay)
            if await self._post(url, data):
                return
        log.warning("Rappel abandonné après %d essais : %s", len(self.retry_delays) + 1,
                    _where(url))

    async def _post(self, url: str, data: dict[str, str]) -> bool:
        try:
            async with httpx.AsyncClient(timeout=CALLBACK_TIMEOUT, trust_env=False,
                                         follow_redirects=False) as client:
                answer = await client.post(url, data=data)
        except httpx.HTTPError as error:
            log.warning("Rappel impossible vers %s : %s", _where(url), type(error).__name__)
            return False
        if answer.status_code >= 500:
            log.warning("Rappel vers %s : réponse %d", _where(url), answer.status_code)
            return False
        return True

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
