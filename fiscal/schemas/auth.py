from __future__ import annotations

from typing import Literal

from pydantic import Field

from fiscal.schemas.common import PublicModel, WireModel

Role = Literal["accountant", "unit_finance_head", "unit_head", "bureau_division", "treasury",
               "admin"]
ROLES: tuple[str, ...] = ("accountant", "unit_finance_head", "unit_head", "bureau_division",
                          "treasury", "admin")
UNIT_ROLES = frozenset({"accountant", "unit_finance_head", "unit_head"})
BUREAU_ROLES = frozenset({"bureau_division", "treasury"})
ROLE_NAMES = {"accountant": "经办人", "unit_finance_head": "单位财务负责人", "unit_head": "单位负责人",
              "bureau_division": "业务处室", "treasury": "国库支付中心", "admin": "系统管理员"}


class LoginRequest(WireModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    device_id: str = Field(min_length=1, max_length=64, description="client installation id")
    device_name: str | None = Field(default=None, max_length=128)


class RefreshRequest(WireModel):
    refresh_token: str = Field(min_length=20, max_length=200)
    device_id: str = Field(min_length=1, max_length=64)


class LogoutRequest(WireModel):
    refresh_token: str = Field(min_length=20, max_length=200)


class PasswordChange(WireModel):
    old_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=10, max_length=256)


class UserPublic(PublicModel):
    id: int
    username: str
    display_name: str | None = None
    role: str
    unit_code: str | None = None
    is_active: bool = True
    oversees: list[str] = Field(default_factory=list)


class UserCreate(WireModel):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    password: str = Field(min_length=10, max_length=256)
    role: Role
    display_name: str | None = Field(default=None, max_length=64)
    unit_code: str | None = Field(default=None, max_length=40)
    oversees: list[str] = Field(default_factory=list, description="unit or department codes")


class TokenPair(PublicModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int
    user: UserPublic


class UserUpdate(WireModel):
    """Administrative changes: (de)activate, clear a lockout, rename."""

    is_active: bool | None = None
    unlock: bool = False
    display_name: str | None = Field(default=None, max_length=64)
