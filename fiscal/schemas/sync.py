"""Sync protocol (client ⇄ server).

* ``GET /api/v1/sync/pull?since=N&limit=M`` → :class:`PullPage`: the changes in the caller's scope
  with a server sequence number greater than ``since``, in ascending order; deletions come as
  tombstones (``op == "delete"``, ``data is None``). Repeat with ``since = next_since`` while
  ``has_more``.
* ``POST /api/v1/sync/push`` with :class:`PushBatch` → :class:`PushResults`: every command is
  answered on its own; a repeated ``idempotency_key`` returns the stored answer.
* Every sync request carries the header ``X-Jincai-Protocol``. A version outside
  ``[MIN_PROTOCOL_VERSION, MAX_PROTOCOL_VERSION]`` gets HTTP 426 with an upgrade message.
"""
from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import Field

from fiscal.schemas.common import PublicModel, WireModel

PROTOCOL_VERSION = 1
MIN_PROTOCOL_VERSION = 1
MAX_PROTOCOL_VERSION = 1
PROTOCOL_HEADER = "X-Jincai-Protocol"

EntityName = Literal["indicator", "application", "unit", "code_tables", "approval_task", "warning"]
CommandType = Literal["application.save_draft", "application.submit", "application.withdraw",
                      "application.void", "application.attach", "approval.decide",
                      "warning.explain", "warning.dispose"]
# Added without a protocol bump (older clients skip unknown entities and never send the new
# commands): ``approval_task`` (id = application UUID; upsert = the caller may decide the current
# step now: step, step_name, role, status='pending', application_version, chain, decisions,
# warnings; delete = no longer the caller's task), ``warning`` (id = warning number; level,
# state, history); ``approval.decide`` (payload ``{application_id, decision|kind,
# expected_version, comment}``, entity_id = the client's decision id or the application UUID)
# and ``application.attach`` (payload = AttachmentLink: ``{sha256, role, invoice?}``);
# ``warning.explain`` / ``warning.dispose`` (issues #5, #6; entity_id = warning number; payload
# ``{action (dispose only: mark_normal|request_verify|answer_ok|answer_fixed|mark_violation|
# accept_rectification), note, attachments: [sha256…] (uploaded before the push), contact?,
# expected_state (the state the user acted on: the server refuses with 409
# ``warning_state_changed`` if the warning moved on), expected_version?}``; the answer's data
# is the warning as the pull feed carries it).
#: The command types this protocol version executes (``get_args(CommandType)``).
SUPPORTED_COMMANDS: tuple[str, ...] = get_args(CommandType)


class Change(PublicModel):
    seq: int
    entity: str
    id: str
    op: Literal["upsert", "delete"]
    data: dict[str, Any] | None = None


class PullPage(PublicModel):
    changes: list[Change]
    next_since: int
    has_more: bool
    server_seq: int
    protocol_version: int = PROTOCOL_VERSION


class PushCommand(WireModel):
    idempotency_key: str = Field(min_length=8, max_length=64, pattern=r"^[0-9A-Za-z_\-:.]+$")
    type: str = Field(max_length=48, pattern=r"^[a-z_]+\.[a-z_]+$",
                      description="one of SUPPORTED_COMMANDS; others are answered one by one "
                                  "with code ``unsupported_command`` (the batch still runs)")
    entity_id: str = Field(min_length=1, max_length=64)
    payload: dict[str, Any] = Field(default_factory=dict)


class PushBatch(WireModel):
    commands: list[PushCommand] = Field(min_length=1, max_length=200)


class PushResult(PublicModel):
    idempotency_key: str
    status: Literal["ok", "error"]
    http_status: int
    code: str | None = None
    message: str | None = None
    data: dict[str, Any] | None = None
    replayed: bool = False


class PushResults(PublicModel):
    results: list[PushResult]
    server_seq: int


class ServerInfo(PublicModel):
    name: str
    version: str
    protocol_version: int
    min_protocol_version: int
    max_protocol_version: int
    # the newest desktop client and where to get it (clients say so politely; issue #9)
    latest_client_version: str | None = None
    client_download_url: str | None = None
    client_release_notes: str | None = None
