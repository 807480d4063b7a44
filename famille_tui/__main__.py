"""`python -m famille_tui`."""

from famille_tui.cli import main

raise SystemExit(main())
