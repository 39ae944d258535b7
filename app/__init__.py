"""Jincai Desk desktop client (金财桌面端)."""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("jincai-desk")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+source"
