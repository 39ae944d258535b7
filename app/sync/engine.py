"""Staged, resumable sync (Morango's transfer stages, Anki's sync phases).

    version_check → push (outbox, in chunks) → upload (attachments by hash) → pull (pages
    since the last server seq, each applied in the same transaction that advances the
    cursor) → apply (housekeeping) → sanity (counts) → finish

The current stage, the run id and the cursor live in ``sync_state`` (one row), and each
stage's work is committed in small transactions, so a sync killed at any point resumes at
the stage where it stopped: commands left ``sending`` are sent again with the same
idempotency key (the server answers with its stored result), a page pulled but not
committed is pulled again, and nothing is applied twice.

Network errors (:class:`~app.sync.transport.TransportError`) are retried with exponential
back-off and jitter; :class:`UpgradeRequired` and :class:`AuthRequired` stop the run with a
message for the user. ``cancel`` (a ``threading.Event``) is honoured between chunks, pages
and back-off waits; ``progress`` receives :class:`SyncProgress` objects (from the worker
thread: the UI forwards them through a signal).
"""
from __future__ import annotations

import logging
import random
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select, update

from app.db import Database
from app.models import Attachment, Indicator, OutboxCommand, PaymentApplication, SyncState, utcnow
from app.sync.apply import Touched, apply_page, apply_push_result
from app.sync.transport import Transport, TransportError, UpgradeRequired

try:
    from typing import get_args

    from fiscal.schemas.sync import PROTOCOL_VERSION, CommandType

    SERVER_COMMANDS: frozenset[str] | None = frozenset(get_args(CommandType))
except ImportError:  # pragma: no cover - before the wire schemas exist
    PROTOCOL_VERSION = 1
    SERVER_COMMANDS = None

log = logging.getLogger(__name__)

STAGES = ("version_check", "push", "upload", "pull", "apply", "sanity", "finish")
STAGE_NAMES = {
    "version_check": "检查版本",
    "push": "发送待发送内容",
    "upload": "上传附件",
    "pull": "下载服务器变更",
    "apply": "整理本地数据",
    "sanity": "核对数量",
    "finish": "完成",
}
DONE_RETENTION = timedelta(days=30)
# Stages whose start is persisted (one committed, fsync'ed transaction each). An interrupted
# run resumes at the last of them; the others are cheap and idempotent and simply run again
# (version check, attachment upload by hash, housekeeping, counts), which spares a sync with
# nothing to do several commits.
RESUME_POINTS = frozenset({"push", "pull"})


class AccountMismatch(Exception):
    """The local mirror belongs to another user or server: mixing them would show one user's
    data to another and corrupt the pull cursor."""

    def __init__(self, owner: str, current: str) -> None:
        self.message = (
            f"本机数据属于 {owner}，当前登录的是 {current}。请用原用户登录，或为新用户使用另一个数据目录"
            f"（环境变量 JINCAI_DATA_DIR）。 / This local database belongs to {owner}; {current}"
            " must use another data directory (JINCAI_DATA_DIR)."
        )
        super().__init__(self.message)


class SyncCancelled(Exception):
    def __init__(self) -> None:
        super().__init__("同步已取消，下次同步会从中断处继续。 / Sync cancelled; it will resume.")


@dataclass(frozen=True, slots=True)
class SyncProgress:
    stage: str
    done: int
    total: int | None
    message: str = ""


@dataclass(frozen=True, slots=True)
class BackoffPolicy:
    attempts: int = 5
    base_s: float = 0.5
    factor: float = 2.0
    max_s: float = 30.0
    jitter: float = 0.2

    def delay(self, attempt: int) -> float:
        raw = min(self.max_s, self.base_s * self.factor**attempt)
        return raw * (1 + self.jitter * random.random())


@dataclass(frozen=True, slots=True)
class SyncReport:
    run_id: str
    resumed_from: str | None  # the stage an interrupted run resumed at
    pushed: int
    refused: int
    uploaded: int
    pulled: int
    conflicts: int  # unresolved, after this run
    last_server_seq: int
    sanity_ok: bool | None
    # what changed, for views to refresh (app.services turns this into a Changes)
    applications: frozenset[str]
    indicators: frozenset[str]
    outbox_changed: bool
    conflicts_changed: bool


class SyncEngine:
    def __init__(
        self,
        *,
        db: Database,
        transport: Transport,
        chunk_size: int = 100,
        page_size: int = 1000,
        progress: Callable[[SyncProgress], None] | None = None,
        cancel: threading.Event | None = None,
        backoff: BackoffPolicy = BackoffPolicy(),
        sleep: Callable[[float], None] | None = None,
        server_url: str | None = None,
        prefetch: bool = True,
    ) -> None:
        self.db = db
        self.prefetch = prefetch
        self.transport = transport
        self.chunk_size = max(1, min(chunk_size, 200))  # PushBatch allows 200
        self.page_size = max(1, min(page_size, 5000))
        self._progress = progress
        self.cancel = cancel or threading.Event()
        self.backoff = backoff
        self._sleep = sleep
        self.server_url = server_url
        self._touched = Touched()
        self._counts = {"pushed": 0, "refused": 0, "uploaded": 0, "pulled": 0}
        self._sanity_ok: bool | None = None
        self._deferred: set[int] = set()
        self._blocked: set[tuple[str, str]] = set()
        self._stage_values: dict[str, Any] = {}

    # ------------------------------------------------------------------ helpers

    def _emit(self, stage: str, done: int, total: int | None, message: str = "") -> None:
        if self._progress is not None:
            try:
                self._progress(SyncProgress(stage, done, total, message or STAGE_NAMES[stage]))
            except Exception:  # a broken progress view must not break the sync
                log.exception("sync progress callback failed")

    def _check_cancel(self) -> None:
        if self.cancel.is_set():
            raise SyncCancelled()

    def _wait(self, seconds: float) -> None:
        if self._sleep is not None:
            self._sleep(seconds)
        else:
            self.cancel.wait(seconds)
        self._check_cancel()

    def _call(self, stage: str, fn: Callable[..., Any], *args: Any) -> Any:
        """One transport call with back-off on network errors."""
        for attempt in range(self.backoff.attempts):
            self._check_cancel()
            try:
                return fn(*args)
            except TransportError as exc:
                if attempt + 1 >= self.backoff.attempts:
                    raise
                delay = self.backoff.delay(attempt)
                log.warning("sync %s: %s; retry %d in %.1fs", stage, exc, attempt + 1, delay)
                self._emit(stage, 0, None, f"网络错误，{delay:.0f} 秒后重试（第 {attempt + 1} 次）")
                self._wait(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _state(self, s: Any) -> SyncState:
        st = s.get(SyncState, 1)
        if st is None:
            st = SyncState(id=1)
            s.add(st)
            s.flush()
        return st

    def _set_stage(self, stage: str, **values: Any) -> None:
        with self.db.transaction() as s:
            st = self._state(s)
            st.stage = stage
            for k, v in values.items():
                setattr(st, k, v)

    # ------------------------------------------------------------------ run

    def run(self) -> SyncReport:
        """One sync. A run that resumes an interrupted one finishes it, then makes one
        fresh pass, so that what was queued meanwhile is sent as well."""
        report = self._run_once()
        if report.resumed_from is not None:
            again = self._run_once()
            report = SyncReport(
                run_id=again.run_id, resumed_from=report.resumed_from, pushed=again.pushed,
                refused=again.refused, uploaded=again.uploaded, pulled=again.pulled,
                conflicts=again.conflicts, last_server_seq=again.last_server_seq,
                sanity_ok=again.sanity_ok, applications=again.applications,
                indicators=again.indicators, outbox_changed=again.outbox_changed,
                conflicts_changed=again.conflicts_changed,
            )
        return report

    def _run_once(self) -> SyncReport:
        with self.db.transaction() as s:
            st = self._state(s)
            resumed_from = st.stage if st.stage != "idle" else None
            if resumed_from is None:
                st.stage = STAGES[0]
                st.run_id = str(uuid.uuid4())
                st.started_at = utcnow()
                st.cursor = None
            st.last_attempt_at = utcnow()
            server_url = self.server_url or getattr(self.transport, "server_url", None)
            username = getattr(self.transport, "username", None)
            if st.username and username and (st.username, st.server_url) != (username, server_url):
                raise AccountMismatch(f"{st.username}@{st.server_url}", f"{username}@{server_url}")
            if server_url:
                st.server_url = server_url
            if username:
                st.username = username
            run_id = st.run_id or str(uuid.uuid4())
            start = STAGES.index(st.stage) if st.stage in STAGES else 0
        if resumed_from:
            log.info("sync %s resumes at stage %s", run_id, resumed_from)
        try:
            for stage in STAGES[start:]:
                self._check_cancel()
                if stage in RESUME_POINTS:
                    self._set_stage(stage, **self._stage_values)
                    self._stage_values = {}
                getattr(self, f"_stage_{stage}")()
        except Exception as exc:
            self._record_error(exc)
            raise
        with self.db.read() as s:
            from app.models import Conflict

            conflicts = s.scalar(
                select(func.count()).select_from(Conflict).where(Conflict.resolved_at.is_(None))
            ) or 0
            last_seq = self._state(s).last_server_seq
        t = self._touched
        return SyncReport(
            run_id=run_id, resumed_from=resumed_from, pushed=self._counts["pushed"],
            refused=self._counts["refused"], uploaded=self._counts["uploaded"],
            pulled=self._counts["pulled"], conflicts=int(conflicts), last_server_seq=last_seq,
            sanity_ok=self._sanity_ok, applications=frozenset(t.applications),
            indicators=frozenset(t.indicators), outbox_changed=t.outbox,
            conflicts_changed=t.conflicts,
        )

    def _record_error(self, exc: BaseException) -> None:
        message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        try:
            with self.db.transaction() as s:
                self._state(s).last_error = message
        except Exception:  # pragma: no cover - the database itself is failing
            log.exception("could not record the sync error")

    # ------------------------------------------------------------------ stages

    def _stage_version_check(self) -> None:
        self._emit("version_check", 0, 1)
        info = self._call("version_check", self.transport.server_info)
        lo = int(info.get("min_protocol_version", info.get("protocol_version", 1)))
        hi = int(info.get("max_protocol_version", info.get("protocol_version", 1)))
        self._record_update_advice(info)
        if not lo <= PROTOCOL_VERSION <= hi:
            where = info.get("client_download_url")
            raise UpgradeRequired(
                f"服务器支持的同步协议版本为 {lo}–{hi}，本客户端为 {PROTOCOL_VERSION}，"
                "请升级金财桌面端" + (f"（下载地址：{where}）" if where else "")
                + "。未发送的内容都保留在本机。"
            )
        self._stage_values["protocol_version"] = PROTOCOL_VERSION  # saved with the next marker
        self._emit("version_check", 1, 1)

    def _record_update_advice(self, info: dict[str, Any]) -> None:
        # advice about newer clients is a courtesy: it must never fail a sync
        try:
            from app.services.updates import record_advice
            record_advice(self.db.data_dir, info)
        except Exception:  # pragma: no cover - e.g. a read-only data dir
            log.warning("could not record the server's client-version advice", exc_info=True)

    def _next_chunk(self, s: Any) -> list[Any]:
        """The oldest unsent commands, at most one per record: a record's next command is
        sent only after the answer to its previous one (a refused save must never be
        followed by a submit of the older server copy). Records whose earlier command is
        held back (no answer yet, or a kind the protocol cannot carry) are skipped.
        Returns rows of (id, entity_type, entity_id, kind): the choice needs no ORM object
        and no payload (the candidates read are up to four times the chunk)."""
        chosen: list[Any] = []
        seen: set[tuple[str, str]] = set()
        after = 0
        while len(chosen) < self.chunk_size:
            rows = s.execute(
                select(OutboxCommand.id, OutboxCommand.entity_type, OutboxCommand.entity_id,
                       OutboxCommand.kind)
                .where(OutboxCommand.state.in_(("pending", "sending")), OutboxCommand.id > after)
                .order_by(OutboxCommand.id)
                .limit(self.chunk_size * 4)
            ).all()
            if not rows:
                break
            after = rows[-1].id
            for cmd in rows:
                key = (cmd.entity_type, cmd.entity_id)
                if key in seen or key in self._blocked:
                    continue
                seen.add(key)
                if cmd.id in self._deferred:
                    self._blocked.add(key)
                    continue
                if SERVER_COMMANDS is not None and cmd.kind not in SERVER_COMMANDS:
                    # queued offline for a command this protocol version cannot carry yet
                    # (e.g. approval decisions): it, and what follows it, waits here
                    s.get(OutboxCommand, cmd.id).last_error = (
                        f"服务器同步协议尚不支持 {cmd.kind}，暂存本机等待发送。")
                    self._deferred.add(cmd.id)
                    self._blocked.add(key)
                    continue
                chosen.append(cmd)
                if len(chosen) >= self.chunk_size:
                    break
        return chosen

    def _stage_push(self) -> None:
        self._deferred: set[int] = set()  # held back until the next sync
        self._blocked: set[tuple[str, str]] = set()
        with self.db.read() as s:
            total = s.scalar(select(func.count()).select_from(OutboxCommand).where(
                OutboxCommand.state.in_(("pending", "sending")))) or 0
        done = 0
        self._emit("push", 0, total)
        self._check_cancel()
        with self.db.transaction() as s:
            ids, batch = self._take_chunk(s)
        while ids:
            self._upload_command_files(batch)
            answer = self._call("push", self.transport.push, batch)
            by_key = {r["idempotency_key"]: r for r in answer.get("results", [])}
            with self.db.transaction() as s:
                with s.no_autoflush:
                    self._record_answers(s, ids, by_key, answer.get("server_seq"))
                done += len(ids)
                # the next chunk is chosen and marked 'sending' in the same commit as these
                # answers (one transaction and one fsync per chunk, not two), from the states
                # just recorded (hence the flush). A cancel stops before marking it.
                s.flush()
                ids, batch = ([], []) if self.cancel.is_set() else self._take_chunk(s)
            self._emit("push", done, max(total, done))
        self._check_cancel()

    def _take_chunk(self, s: Any) -> tuple[list[int], list[dict[str, Any]]]:
        """Choose the next chunk, mark it 'sending' (one statement) and read what is sent."""
        chunk = self._next_chunk(s)
        if not chunk:
            return [], []
        ids = [c.id for c in chunk]
        s.execute(update(OutboxCommand).where(OutboxCommand.id.in_(ids)).values(
            state="sending", attempts=OutboxCommand.attempts + 1, updated_at=utcnow(),
        ).execution_options(synchronize_session=False))
        body = {r.id: r for r in s.execute(
            select(OutboxCommand.id, OutboxCommand.idempotency_key, OutboxCommand.payload)
            .where(OutboxCommand.id.in_(ids)))}
        return ids, [
            {"idempotency_key": body[c.id].idempotency_key, "type": c.kind,
             "entity_id": c.entity_id, "payload": body[c.id].payload}
            for c in chunk
        ]

    def _record_answers(self, s: Any, ids: list[int], by_key: dict[str, dict[str, Any]],
                        server_seq: int | None) -> None:
        """The server's answers to one chunk. The chunk's commands and applications come in
        two queries (then s.get() is an identity-map lookup), and nothing is flushed per
        command: each record appears at most once per chunk, so no query here needs this
        loop's earlier changes."""
        cmds = s.scalars(select(OutboxCommand).where(OutboxCommand.id.in_(ids))).all()
        app_ids = [c.entity_id for c in cmds if c.entity_type == "application"]
        # (kept referenced: the identity map holds objects weakly)
        apps = s.scalars(select(PaymentApplication)
                         .where(PaymentApplication.id.in_(app_ids))).all() if app_ids else []
        for cmd_id in ids:
            cmd = s.get(OutboxCommand, cmd_id)
            result = by_key.get(cmd.idempotency_key) if cmd else None
            if cmd is None or result is None:
                self._deferred.add(cmd_id)  # no answer: stays 'sending', resent later
                if cmd is not None:
                    self._blocked.add((cmd.entity_type, cmd.entity_id))
                continue
            state = apply_push_result(s, cmd, result, self._touched, server_seq=server_seq)
            if state == "done":
                self._counts["pushed"] += 1
            elif state == "refused":
                self._counts["refused"] += 1
            else:
                self._deferred.add(cmd_id)
                self._blocked.add((cmd.entity_type, cmd.entity_id))
        del cmds, apps

    def _upload_command_files(self, batch: list[dict[str, Any]]) -> None:
        """Files a warning disposition or an ``application.attach`` refers to go up before the
        command that needs them (the server checks the unit holds the file)."""
        from app.sync.warnings import command_files

        with self.db.read() as s:
            files = command_files(s, batch, self.db.files_dir)
            attached = sorted({c["payload"].get("sha256") for c in batch
                               if c["type"] == "application.attach"} - {None})
            if attached:
                media = dict(s.execute(select(Attachment.sha256, Attachment.media_type)
                                       .where(Attachment.sha256.in_(attached))).all())
                for sha in attached:
                    path = self.db.files_dir / sha[:2] / sha
                    if path.exists():
                        files.append((sha, path, media.get(sha) or "application/octet-stream"))
                    else:  # the server answers attachment_not_found; the user sees it
                        log.error("attachment %s is missing from %s; not uploaded", sha, path)
        for sha, path, media in files:
            try:
                if not self._call("upload", self.transport.has_attachment, sha):
                    self._call("upload", self.transport.upload_attachment, sha, path, media)
                    self._counts["uploaded"] += 1
            except Exception as exc:
                # a file the server will not take (type, size): the command then comes back
                # refused (attachment_not_found) with a message, instead of stopping every sync
                if getattr(exc, "status", None) not in (413, 415, 422):
                    raise
                log.warning("attachment %s refused by the server: %s", sha, exc)
                continue
            if sha in attached:
                with self.db.transaction() as s:
                    for att in s.scalars(select(Attachment).where(Attachment.sha256 == sha)):
                        att.uploaded = True

    def _stage_upload(self) -> None:
        with self.db.read() as s:
            hashes = sorted(set(s.scalars(
                select(Attachment.sha256).where(Attachment.uploaded.is_(False))
            )))
            media = dict(s.execute(
                select(Attachment.sha256, Attachment.media_type)
                .where(Attachment.uploaded.is_(False))
            ).all())
        self._emit("upload", 0, len(hashes))
        for i, sha in enumerate(hashes, 1):
            self._check_cancel()
            path = self.db.files_dir / sha[:2] / sha
            if not self._call("upload", self.transport.has_attachment, sha):
                if not path.exists():
                    log.error("attachment %s is missing from %s; not uploaded", sha, path)
                    continue
                self._call("upload", self.transport.upload_attachment, sha, path, media[sha])
                self._counts["uploaded"] += 1
            with self.db.transaction() as s:
                for att in s.scalars(select(Attachment).where(Attachment.sha256 == sha)):
                    att.uploaded = True
            self._emit("upload", i, len(hashes))

    def _stage_pull(self) -> None:
        """Pull pages since the cursor; each page is applied in the transaction that advances
        the cursor. With ``prefetch`` the next page is requested (one worker thread) while
        the current one is applied, so the server's time and the client's overlap; the
        cursor still only moves with an applied page, so an interrupted pull resumes exactly
        as without prefetching (a prefetched page that was never applied is pulled again)."""
        with self.db.read() as s:
            since = self._state(s).last_server_seq
        base = since
        pool = ThreadPoolExecutor(1, thread_name_prefix="jincai-pull") if self.prefetch else None
        ahead: Future | None = None
        try:
            while True:
                self._check_cancel()
                page = None
                if ahead is not None:
                    try:
                        page = ahead.result()
                    except TransportError:  # the prefetch tries once; back-off happens here
                        page = None
                    ahead = None
                if page is None:
                    page = self._call("pull", self.transport.pull, since, self.page_size)
                changes = page.get("changes", [])
                if pool is not None and page.get("has_more"):
                    ahead = pool.submit(self.transport.pull, int(page["next_since"]),
                                        self.page_size)
                with self.db.transaction() as s:
                    apply_page(s, changes, self._touched)
                    st = self._state(s)
                    last = max(int(page["next_since"]), since)
                    target = int(page.get("server_seq", last))
                    pulled = (st.cursor or {}).get("pulled", 0) + len(changes)
                    # assigned only when different: an empty page then commits no write
                    if st.last_server_seq != last:
                        st.last_server_seq = last
                    if st.pull_target_seq != target:
                        st.pull_target_seq = target
                    if st.cursor != {"pulled": pulled}:
                        st.cursor = {"pulled": pulled}
                self._counts["pulled"] += len(changes)
                since = int(page["next_since"])
                target = int(page.get("server_seq", since))
                self._emit("pull", since - base, max(target - base, 0))
                if not page.get("has_more"):
                    break
        finally:
            if pool is not None:
                # never leave a request running behind the stage (the caller may close the
                # transport next); its page, if any, is simply pulled again next time
                pool.shutdown(wait=True)

    def _stage_apply(self) -> None:
        """Housekeeping after the pull: forget commands the server confirmed long ago."""
        with self.db.transaction() as s:
            s.execute(delete(OutboxCommand).where(
                OutboxCommand.state == "done", OutboxCommand.sent_at < utcnow() - DONE_RETENTION,
            ))

    def _stage_sanity(self) -> None:
        counts = self._call("sanity", self.transport.counts)
        if not counts:
            self._sanity_ok = None
            return
        with self.db.read() as s:
            local = {
                "indicator": s.scalar(select(func.count()).select_from(Indicator).where(
                    Indicator.active.is_(True))) or 0,
                "application": s.scalar(select(func.count()).select_from(PaymentApplication)
                                        .where(PaymentApplication.server_version.is_not(None)))
                or 0,
            }
        wrong = {k: (local[k], v) for k, v in counts.items() if k in local and local[k] != v}
        self._sanity_ok = not wrong
        if wrong:
            detail = "；".join(f"{k} 本地 {a} / 服务器 {b}" for k, (a, b) in wrong.items())
            log.error("sync sanity check failed: %s", detail)
            # the mirror is off: the next sync downloads everything again (drafts are kept)
            with self.db.transaction() as s:
                st = self._state(s)
                st.last_server_seq = 0
                st.last_error = f"本地数据与服务器数量不一致（{detail}），下次同步将重新完整下载。"

    def _stage_finish(self) -> None:
        with self.db.transaction() as s:
            st = self._state(s)
            st.stage = "idle"
            st.run_id = None
            st.cursor = None
            st.last_sync_at = utcnow()
            if self._sanity_ok is not False:
                st.last_error = None
        self._emit("finish", 1, 1)


def sync_status(*, db: Database) -> dict[str, Any]:
    """The figures of ``jincai status --json`` that come from the local database."""
    from app.models import Account, Conflict

    with db.read() as s:
        st = s.get(SyncState, 1)
        acct = s.scalar(select(Account).where(Account.signed_in.is_(True))
                        .order_by(Account.last_online_sign_in_at.desc()))
        return {
            "server": (acct.server_url if acct else None) or (st.server_url if st else None),
            "user": acct.username if acct else None,
            "last_sync": st.last_sync_at.isoformat() if st and st.last_sync_at else None,
            "stage": st.stage if st else "idle",
            "pending_outbox": s.scalar(select(func.count()).select_from(OutboxCommand).where(
                OutboxCommand.state.in_(("pending", "sending")))) or 0,
            "conflicts": s.scalar(select(func.count()).select_from(Conflict).where(
                Conflict.resolved_at.is_(None))) or 0,
            "indicators": s.scalar(select(func.count()).select_from(Indicator).where(
                Indicator.active.is_(True))) or 0,
            "applications": s.scalar(select(func.count()).select_from(PaymentApplication)) or 0,
            "last_error": st.last_error if st else None,
        }
