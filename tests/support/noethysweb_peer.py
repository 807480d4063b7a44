"""The real Noethysweb, run by `shared/peers/noethysweb/start.sh`, as a test peer.

`shared/` is found at `FAMILLE_TUI_SHARED_DIR`, else `../shared` beside the repository,
else beside the main checkout of this git worktree (`git rev-parse --git-common-dir`).

The first build (venv, 232 migrations, seed: about 80 s) is kept in a per-user cache,
`FAMILLE_TUI_PEER_CACHE` or `~/.cache/famille-tui/noethysweb-peer/<key>`, where the key is
a digest of start.sh, seed.py, the source archive and the Python version: a new peer or a new
seed builds a new cache. A build takes a file lock, so two test runs never build at once.
Each test session then runs its own copy: the source tree extracted anew (start.sh rewrites
a settings file in it), the cached venv by symlink (only read), a private copy of the seeded
database, its own free port. `reset()` restores the seeded database and restarts (≈ 4 s).

`start_with_payfip()` runs the PayFiP stand-in (`python -m famille_tui.payfip --regie
123456=<the peer's origin>`) first, on its own port, and gives its TIPI page to the peer as
`NOETHYS_TIPI_URL`: a browser then pays there and the stand-in posts TIPI's notification to
the peer's `/retour_payfip` (the régie's origin, the only one it calls back).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import platformdirs

from famille_tui.client.portals import LoginChallenge
from famille_tui.client.portals.noethysweb.connector import NoethyswebConnector
from famille_tui.portal.launcher import PayfipProcess, start_payfip

REPO = Path(__file__).resolve().parents[2]
LOGIN = "F12340001"
PASSWORD = "Martin-2024-Portail"
#: django-simple-captcha in test mode accepts this answer (any case) and nothing else.
CAPTCHA = "PASSED"


#: A captcha the peer drew once (its codes are random): for pictures that can be compared.
SAMPLE_CAPTCHA = Path(__file__).with_name("noethysweb-captcha.png")


class SampleDrawing(NoethyswebConnector):
    """The peer's own connector, its captcha's picture the recorded one (`SAMPLE_CAPTCHA`):
    the key, the page and everything else are the running peer's."""

    async def login_challenge(self) -> LoginChallenge | None:
        from dataclasses import replace

        challenge = await super().login_challenge()
        if challenge is None:
            return None
        return replace(challenge, image_png=SAMPLE_CAPTCHA.read_bytes())


def shared_dir() -> tuple[Path | None, str]:
    """The shared folder, or None and why it was not found."""
    configured = os.environ.get("FAMILLE_TUI_SHARED_DIR")
    if configured:
        path = Path(configured)
        return (path, "") if path.is_dir() else (None, f"FAMILLE_TUI_SHARED_DIR={path} absent")
    candidates = [REPO.parent / "shared"]
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        common = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--path-format=absolute", "--git-common-dir"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()
        if common:
            candidates.append(Path(common).parent.parent / "shared")
    for path in candidates:
        if (path / "peers" / "noethysweb" / "start.sh").is_file():
            return path, ""
    tried = ", ".join(str(p) for p in dict.fromkeys(candidates))
    return None, (
        f"le pair Noethysweb (shared/peers/noethysweb/start.sh) est introuvable ({tried}) ; "
        "donnez son dossier dans FAMILLE_TUI_SHARED_DIR"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def peer_python() -> str:
    """The interpreter start.sh builds the peer's venv with: 3.11 (Django 5.2, distutils)."""
    return os.environ.get("PYTHON") or shutil.which("python3.11") or sys.executable


def _cache_key(peer_dir: Path, python: str) -> str:
    digest = hashlib.sha256()
    for name in ("start.sh", "seed.py", "noethysweb-1.3.3.8.tar.gz"):
        path = peer_dir / name
        if path.exists():
            digest.update(name.encode() + b"\0" + path.read_bytes())
    version = subprocess.run(
        [python, "-c", "import sys; print(sys.version)"],
        capture_output=True, text=True, timeout=30, check=True,
    ).stdout
    digest.update(version.encode())
    return digest.hexdigest()[:16]


class PeerError(RuntimeError):
    pass


def _run_start(
    script: Path, root: Path, args: list[str], *, tipi_url: str, python: str, timeout: float,
    env: dict[str, str] | None = None,
) -> str:
    env = dict(os.environ, NOETHYS_ROOT=str(root), NOETHYS_TIPI_URL=tipi_url, PYTHON=python,
               **(env or {}))
    result = subprocess.run(
        ["bash", str(script), *args], env=env, capture_output=True, text=True,
        timeout=timeout, stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        raise PeerError(
            f"start.sh {' '.join(args)} a échoué ({result.returncode}) :\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result.stdout


def build_cache(peer_dir: Path, python: str) -> Path:
    """The cached build (venv + seeded database), made once under a lock."""
    base = Path(os.environ.get("FAMILLE_TUI_PEER_CACHE")
                or Path(platformdirs.user_cache_dir("famille-tui")) / "noethysweb-peer")
    base.mkdir(parents=True, exist_ok=True)
    cache = base / _cache_key(peer_dir, python)
    complete = cache / "complete"
    if complete.exists():
        return cache
    with open(base / f"{cache.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if complete.exists():
            return cache
        port = free_port()
        try:
            _run_start(peer_dir / "start.sh", cache, [str(port)],
                       tipi_url=f"http://127.0.0.1:{free_port()}/tpa/paiement.web",
                       python=python, timeout=900)
        finally:
            _run_start(peer_dir / "start.sh", cache, ["stop"], tipi_url="", python=python,
                       timeout=60)
        if not (cache / "data" / "db.seeded.sqlite3").exists():
            raise PeerError(f"construction du pair incomplète dans {cache}")
        # The source tree is not shared (start.sh rewrites a file in it at every start).
        shutil.rmtree(cache / "src", ignore_errors=True)
        complete.write_text("ok\n")
    return cache


@dataclass
class NoethyswebPeer:
    """One running Noethysweb on 127.0.0.1:`port`, its state in `root`."""

    script: Path
    root: Path
    port: int
    tipi_url: str
    python: str
    seed: dict[str, Any] = field(default_factory=dict)
    #: True once a test changed the peer's state (a payment…): the next fresh use resets.
    dirty: bool = False
    #: The PayFiP stand-in the peer's TIPI URL points at (`start_with_payfip`).
    payfip: PayfipProcess | None = None

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return self.origin + "/"

    @classmethod
    def prepare(cls, shared: Path, root: Path, *, tipi_url: str | None = None,
                port: int | None = None) -> NoethyswebPeer:
        peer_dir = shared / "peers" / "noethysweb"
        python = peer_python()
        cache = build_cache(peer_dir, python)
        data = root / "data"
        data.mkdir(parents=True, exist_ok=True)
        (root / "venv").symlink_to(cache / "venv", target_is_directory=True)
        for name in ("db.seeded.sqlite3", "seed.json"):
            shutil.copyfile(cache / "data" / name, data / name)
        shutil.copyfile(data / "db.seeded.sqlite3", data / "db.sqlite3")
        port = port or free_port()
        tipi = tipi_url or f"http://127.0.0.1:{free_port()}/tpa/paiement.web"
        peer = cls(script=peer_dir / "start.sh", root=root, port=port, tipi_url=tipi,
                   python=python)
        peer.seed = json.loads((data / "seed.json").read_text(encoding="utf-8"))
        return peer

    def _start_sh(self, *args: str, env: dict[str, str] | None = None) -> str:
        return _run_start(self.script, self.root, list(args), tipi_url=self.tipi_url,
                          python=self.python, timeout=300, env=env)

    def start(self) -> None:
        self._start_sh("start", str(self.port))

    @property
    def payfip_origin(self) -> str:
        assert self.payfip is not None, "pair démarré sans le service PayFiP"
        return self.payfip.origin

    @classmethod
    def start_with_payfip(cls, shared: Path, root: Path) -> NoethyswebPeer:
        """The stand-in for the peer's régie (numcli 123456), then the peer paying there."""
        port = free_port()
        payfip = start_payfip(root / "payfip" / "payfip.sqlite3",
                              [f"123456=http://127.0.0.1:{port}=Régie périscolaire"])
        try:
            peer = cls.prepare(shared, root, port=port,
                               tipi_url=f"{payfip.origin}/tpa/paiement.web")
            peer.payfip = payfip
            peer.start()
        except BaseException:
            payfip.stop()
            raise
        return peer

    def reset(self) -> None:
        """Back to the seeded database (three unpaid invoices), server restarted."""
        self._start_sh("reset", str(self.port))
        self.dirty = False

    def restart(self, *, debug: bool = False) -> None:
        """The server restarted on the database as it is (its cache of parameters emptied).
        `debug`: Django's DEBUG on, which makes the server itself serve `/media/` (in
        production the site's web server does; upstream's development setup is DEBUG).
        The next `reset()` restarts without it."""
        self._start_sh("start", str(self.port), env={"NOETHYS_DEBUG": "1" if debug else "0"})
        self.dirty = self.dirty or debug

    def django_shell(self, script: str) -> str:
        """`manage.py shell` on the peer's database: what its administrator does through
        the admin pages (a print model, a parameter), run by the peer's own code."""
        app = self.root / "src" / "noethysweb"
        env = dict(os.environ, NOETHYS_DATA=str(self.root / "data"),
                   NOETHYS_TIPI_URL=self.tipi_url, PYTHONWARNINGS="ignore")
        result = subprocess.run(
            [str(self.root / "venv" / "bin" / "python"), "-W", "ignore", "manage.py", "shell"],
            input=script, cwd=app, env=env, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise PeerError(f"manage.py shell a échoué : {result.stderr[-2000:]}")
        self.dirty = True
        return result.stdout

    def enable_invoice_pdf(self) -> None:
        """As an administrator would: a print model for invoices (the default invoice
        document, the default options of its form), invoices downloadable on the portal."""
        self.django_shell(
            "import json\n"
            "from core.models import ModeleDocument, ModeleImpression, PortailParametre\n"
            "from facturation.forms.factures_options_impression import VALEURS_DEFAUT\n"
            "doc = ModeleDocument.objects.get(categorie='facture', defaut=True)\n"
            "model = ModeleImpression.objects.create(categorie='facture', nom='Facture', "
            "modele_document=doc, options=json.dumps(VALEURS_DEFAUT), defaut=True)\n"
            "for code, value in (('facturation_autoriser_telechargement_facture', 'True'), "
            "('facturation_modele_impression_facture', str(model.pk))):\n"
            "    PortailParametre.objects.update_or_create(code=code, "
            "defaults={'valeur': value})\n"
        )

    def set_parameter(self, code: str, value: str) -> None:
        """A portal parameter (`PortailParametre`) changed in the database, then restarted:
        the same real portal, configured otherwise (as a town's administrator would)."""
        import sqlite3

        with contextlib.closing(sqlite3.connect(self.root / "data" / "db.sqlite3")) as db:
            updated = db.execute("UPDATE portail_parametres SET valeur=? WHERE code=?",
                                 (value, code))
            if updated.rowcount == 0:
                db.execute("INSERT INTO portail_parametres (code, valeur) VALUES (?, ?)",
                           (code, value))
            db.commit()
        self.dirty = True
        self.restart()

    @contextlib.contextmanager
    def browser(self) -> Iterator[httpx.Client]:
        """A plain HTTP client logged in as the family, to read the pages as a browser gets
        them (what the test asserts about the portal itself, apart from the connector)."""
        with httpx.Client(base_url=self.origin, timeout=30) as client:
            yield self._log_in(client)

    @staticmethod
    def _log_in(client: httpx.Client) -> httpx.Client:
        import re

        page = client.get("/connexion").text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        key = re.search(r'name="captcha_0" value="([0-9a-f]{40})"', page)
        assert token and key, "page de connexion de Noethysweb inattendue"
        answer = client.post("/connexion", data={
            "csrfmiddlewaretoken": token.group(1), "username": LOGIN, "password": PASSWORD,
            "captcha_0": key.group(1), "captcha_1": CAPTCHA})
        assert answer.status_code == 302, answer.status_code
        return client

    def stop(self) -> None:
        with contextlib.suppress(PeerError, subprocess.SubprocessError):
            self._start_sh("stop")
        if self.payfip is not None:
            self.payfip.stop()

    def log_tail(self, lines: int = 40) -> str:
        path = self.root / "data" / "server.log"
        try:
            return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def invoice_pk(self, numero: int) -> int:
        for facture in self.seed["factures"]:
            if int(facture["numero"]) == numero:
                return int(facture["idfacture"])
        raise KeyError(numero)

    def notify(self, refdet: str, resultrans: str = "P", **fields: str) -> httpx.Response:
        """What PayFiP posts to `urlcl` (unsigned TIPI): the peer's own `/retour_payfip`."""
        form = {"numcli": "123456", "refdet": refdet, "resultrans": resultrans,
                "numauto": "123456", "dattrans": "01012026", "heurtrans": "1200",
                "exer": "2026", "objet": "Paiement", "montant": "0", "mel": "x@example.org",
                "saisie": "T", **fields}
        return httpx.post(f"{self.origin}/retour_payfip", data=form, timeout=30)
