"""`python -m console_app` is the same as the `console-app` command."""

from console_app.app import main

raise SystemExit(main())
