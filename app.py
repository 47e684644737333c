"""Launch the articleqa web UI (same options as `articleqa serve`)."""

from articleqa.cli import main

if __name__ == "__main__":
    import sys

    raise SystemExit(main(["serve", *sys.argv[1:]]))
