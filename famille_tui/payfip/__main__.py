"""`python -m famille_tui.payfip --regie NUMCLI=ORIGIN[=NAME] … [--host H] [--port N]
[--data FILE] [--public-origin URL] [--ttl S]`: the PayFiP stand-in alone."""

from __future__ import annotations

import argparse

from famille_tui.payfip.options import add_payfip_arguments, payfip_from


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m famille_tui.payfip",
                                     description="Service PayFiP de démonstration.")
    add_payfip_arguments(parser)
    return payfip_from(parser.parse_args())


if __name__ == "__main__":
    raise SystemExit(main())
