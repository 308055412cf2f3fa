from orbit_tui.cli import main

raise SystemExit(main())
