"""Sign-in dialog: field validation, offline unlock, demo users, unreachable server."""
from __future__ import annotations

import pytest

from app.services.ui_queries import DEMO_SERVER_URL, DEMO_USERS
from app.sync.transport import TransportError
from app.ui.sign_in import SignInDialog, validate_server_url


def _never_online(**kw):
    raise TransportError("connect refused")


@pytest.fixture()
def dialog(qtbot, db, runner):
    d = SignInDialog(db, runner, demo=False, online_sign_in=_never_online)
    qtbot.addWidget(d)
    d.show()
    return d


def test_fields_are_validated_beside_themselves(qtbot, dialog):
    dialog.sign_in_button.click()
    assert dialog.error_text("server") == "请填写服务器地址"
    assert dialog.error_text("user") == "请填写用户名"
    assert dialog.error_text("password") == "请填写密码"
    assert dialog.user() is None
    dialog.server_edit.setText("jincai.example.gov.cn")
    qtbot.keyClicks(dialog.user_edit, "zhang kj")
    assert not dialog.validate()
    assert "https://" in dialog.error_text("server")
    assert dialog.error_text("user") == "用户名中不能有空格"
    assert validate_server_url("https://jincai.example.gov.cn:8443/base") is None


def test_offline_unlock_with_the_local_verifier(qtbot, dialog):
    dialog.server_edit.setText(DEMO_SERVER_URL)
    dialog.user_edit.setText("zhang.kj")
    dialog.password_edit.setText("wrong-password")
    dialog.offline_check.setChecked(True)
    dialog.sign_in_button.click()
    qtbot.waitUntil(lambda: dialog.message_text() != "", timeout=10_000)
    assert "密码不正确" in dialog.message_text() and "/" not in dialog.message_text()
    dialog.password_edit.setText(DEMO_USERS[0].password)
    with qtbot.waitSignal(dialog.sig_signed_in, timeout=10_000) as blocker:
        dialog.sign_in_button.click()
    user = blocker.args[0]
    assert user.username == "zhang.kj" and user.display_name == "张会计" and not user.online
    assert dialog.result() == dialog.DialogCode.Accepted


def test_unreachable_server_suggests_offline_unlock(qtbot, dialog):
    dialog.server_edit.setText("http://127.0.0.1:9")
    dialog.user_edit.setText("zhang.kj")
    dialog.password_edit.setText("x")
    dialog.sign_in_button.click()
    qtbot.waitUntil(lambda: dialog.message_text() != "", timeout=10_000)
    assert "无法连接服务器" in dialog.message_text() and "离线解锁" in dialog.message_text()


def test_demo_users_fill_the_form_and_sign_in_without_a_server(qtbot, db, runner):
    d = SignInDialog(db, runner, demo=True, server_url=DEMO_SERVER_URL,
                     online_sign_in=_never_online)
    qtbot.addWidget(d)
    d.show()
    assert d.demo_list.isVisible() and d.demo_list.count() == len(DEMO_USERS)
    d._on_demo_list_activated(d.demo_list.item(1))
    assert d.user_edit.text() == DEMO_USERS[1].username
    with qtbot.waitSignal(d.sig_signed_in, timeout=10_000) as blocker:
        d.sign_in_button.click()
    assert blocker.args[0].is_reviewer
