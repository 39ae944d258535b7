from __future__ import annotations

from datetime import datetime

from fiscal.schemas.common import PublicModel

MEDIA_TYPES = ("image/jpeg", "image/png", "image/tiff", "application/pdf", "application/ofd",
               "application/xml")


class AttachmentPublic(PublicModel):
    sha256: str
    size: int
    media_type: str
    created_at: datetime | None = None


class UploadStatus(PublicModel):
    sha256: str
    received: int
    complete: bool
