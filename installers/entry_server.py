"""PyInstaller entry point of the bundled local server (`jincai-server`, used by the demo mode)."""
import sys

from server.cli import main

if __name__ == "__main__":
    sys.exit(main())
