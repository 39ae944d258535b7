"""Jincai central server (金财中心服务端): FastAPI + SQLAlchemy 2 + Alembic."""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("jincai-desk")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+source"
