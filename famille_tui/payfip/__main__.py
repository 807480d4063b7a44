"""`python -m famille_tui.payfip --regie NUMCLI=ORIGIN[=NAME] … [--host H] [--port N]
[--data FILE] [--public-origin URL] [--ttl S]`: the PayFiP stand-in alone."""

from __future__ import annotations

import argparse

from famille_tui.payfip.app import add_arguments, run


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m famille_tui.payfip",
                                     description="Service PayFiP de démonstration.")
    add_arguments(parser)
    return run(parser.parse_args())


if __name__ == "__main__":
    raise SystemExit(main())
