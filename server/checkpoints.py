"""Signed audit checkpoints and offline verification of an exported audit log.

A checkpoint is an Ed25519 signature over ``jincai-audit-checkpoint:v1:<seq>:<hash>`` — the head
of the hash chain at that moment. Whoever holds the public key can then verify an exported log
without the database: recompute every hash, check the chain links, and check that each signed
head is in the chain. Even someone who can rewrite the whole table (and recompute every hash)
cannot move a signed head without the private key, which lives outside the database
(``JINCAI_AUDIT_KEY_FILE``, default ``<data dir>/audit-signing.key``, mode 0600).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import select
from sqlalchemy.orm import Session

from server import chain
from server.models import AuditCheckpoint, AuditEvent, ChainHead
from server.settings import Settings

FORMAT = "jincai-audit-export/1"


def key_path(settings: Settings) -> Path:
    return Path(os.environ.get("JINCAI_AUDIT_KEY_FILE") or settings.data_dir / "audit-signing.key")


def load_or_create_key(settings: Settings) -> Ed25519PrivateKey:
    p = key_path(settings)
    if p.exists():
        return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(p.read_text().strip()))
    key = Ed25519PrivateKey.generate()
    p.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat
        f.write(key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()).hex())
    return key


def public_hex(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return pub.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def message(seq: int, head_hash: str) -> bytes:
    return f"jincai-audit-checkpoint:v1:{seq}:{head_hash}".encode()


def create(session: Session, settings: Settings) -> AuditCheckpoint:
    """Sign the current head (only after the whole chain verifies)."""
    result = chain.verify(session)
    if not result.ok:
        raise RuntimeError(result.message())
    head = session.get(ChainHead, 1)
    key = load_or_create_key(settings)
    cp = AuditCheckpoint(audit_seq=head.audit_seq, head_hash=head.audit_hash,
                         signature=key.sign(message(head.audit_seq, head.audit_hash)).hex(),
                         public_key=public_hex(key))
    session.add(cp)
    session.flush()
    return cp


def export(session: Session, out: IO[str]) -> int:
    """JSON lines: a header, every event (hashed fields + hash), then the checkpoints."""
    out.write(json.dumps({"format": FORMAT}) + "\n")
    n, last = 0, 0
    while True:
        rows = session.execute(select(AuditEvent).where(AuditEvent.seq > last)
                               .order_by(AuditEvent.seq).limit(5000)).scalars().all()
        if not rows:
            break
        for ev in rows:
            out.write(json.dumps({"event": {**chain.event_payload(ev), "hash": ev.hash}},
                                 ensure_ascii=False) + "\n")
            n += 1
            last = ev.seq
        session.expunge_all()
    for cp in session.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.id)).scalars():
        out.write(json.dumps({"checkpoint": {"seq": cp.audit_seq, "hash": cp.head_hash,
                                             "signature": cp.signature,
                                             "public_key": cp.public_key}}) + "\n")
    return n


def verify_export(lines: IO[str], public_key_hex: str | None = None) -> tuple[bool, str]:
    """Offline: recompute the chain from an export and check every signed checkpoint against
    ``public_key_hex`` (the auditor's trusted copy; without it the embedded key is used and the
    report says so)."""
    header = json.loads(next(lines))
    if header.get("format") != FORMAT:
        return False, "不是金财审计导出文件。"
    prev, expected = chain.GENESIS, 1
    hashes: dict[int, str] = {}
    checkpoints: list[dict[str, Any]] = []
    for line in lines:
        item = json.loads(line)
        if "event" in item:
            ev = item["event"]
            if ev["seq"] != expected:
                return False, f"缺少序号 {expected} 的事件（被删除或重排）。"
            if ev["prev_hash"] != prev:
                return False, f"事件 {ev['seq']} 的前序哈希不匹配。"
            if chain.event_hash(ev) != ev["hash"]:
                return False, f"事件 {ev['seq']} 的内容哈希不匹配（被修改）。"
            prev = hashes[ev["seq"]] = ev["hash"]
            expected += 1
        elif "checkpoint" in item:
            checkpoints.append(item["checkpoint"])
    if not checkpoints:
        return False, f"链完整（{expected - 1} 条事件），但没有签名检查点，无法证明未被整体重算。"
    for cp in checkpoints:
        key_hex = public_key_hex or cp["public_key"]
        if public_key_hex and cp["public_key"] != public_key_hex:
            return False, f"检查点 {cp['seq']} 由另一把密钥签名。"
        try:
            Ed25519PublicKey.from_public_bytes(bytes.fromhex(key_hex)).verify(
                bytes.fromhex(cp["signature"]), message(cp["seq"], cp["hash"]))
        except (InvalidSignature, ValueError):
            return False, f"检查点 {cp['seq']} 的签名无效。"
        if hashes.get(cp["seq"]) != cp["hash"]:
            return False, f"检查点 {cp['seq']} 签名的链头不在导出的链中：日志在签名后被改写。"
    note = "" if public_key_hex else "（注意：使用的是文件内嵌的公钥，请用独立保存的公钥复核）"
    return True, f"导出的审计日志完整：{expected - 1} 条事件，{len(checkpoints)} 个签名检查点均有效{note}。"


def verify_db_checkpoints(session: Session) -> tuple[bool, str | None]:
    """Every stored checkpoint's signed head must still be in the chain."""
    for cp in session.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.id)).scalars():
        try:
            Ed25519PublicKey.from_public_bytes(bytes.fromhex(cp.public_key)).verify(
                bytes.fromhex(cp.signature), message(cp.audit_seq, cp.head_hash))
        except (InvalidSignature, ValueError):
            return False, f"检查点 {cp.id} 的签名无效"
        ev = session.get(AuditEvent, cp.audit_seq)
        if ev is None or ev.hash != cp.head_hash:
            return False, f"检查点 {cp.id}（序号 {cp.audit_seq}）签名的链头已不在链中：日志在签名后被改写"
    return True, None
