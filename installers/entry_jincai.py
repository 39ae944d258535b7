"""PyInstaller entry point of the desktop client (the bundle's `jincai`)."""
import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
