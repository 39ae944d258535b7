"""Wire schemas shared by the desktop client and the central server (pydantic v2).

Families follow ``XCreate / XUpdate / XPublic / XsPublic``. Money is integer fen (``*_fen``);
times are ISO 8601 UTC. The sync protocol version window lives in :mod:`fiscal.schemas.sync`.
"""
from fiscal.schemas.common import ErrorBody, Fen, PositiveFen  # noqa: F401
from fiscal.schemas.sync import (  # noqa: F401
    MAX_PROTOCOL_VERSION,
    MIN_PROTOCOL_VERSION,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
)
