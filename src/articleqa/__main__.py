from articleqa.cli import main

raise SystemExit(main())
