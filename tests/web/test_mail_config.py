"""The mail settings as an admin writes them: three SMTP schemes, a sender, clear words
for every mistake, and never the password in ``kinfolk config``."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.mail.smtp import SmtpServer, parse_smtp_url
from web.config import ConfigError, describe, load_settings

SECRET = "s" * 40


def settings_from(tmp_path: Path, **environ: str) -> dict[str, str]:
    return {"KINFOLK_SECRET_KEY": SECRET, "KINFOLK_DATA_DIR": str(tmp_path), **environ}


@pytest.mark.parametrize(
    ("url", "server"),
    [
        ("smtp://localhost", SmtpServer("localhost", 25, "smtp")),
        ("smtp://relay.internal:2525", SmtpServer("relay.internal", 2525, "smtp")),
        (
            "smtp+starttls://kinfolk%40example.org:p%40ss@mail.example.org",
            SmtpServer("mail.example.org", 587, "smtp+starttls", "kinfolk@example.org", "p@ss"),
        ),
        (
            "SMTPS://user:secret@mail.example.org:2465",
            SmtpServer("mail.example.org", 2465, "smtps", "user", "secret"),
        ),
    ],
)
def test_the_three_schemes(url: str, server: SmtpServer) -> None:
    assert parse_smtp_url(url) == server


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("smtp://user:secret@mail.example.org", "never sends a password"),
        ("http://mail.example.org", "expected smtp://"),
        ("smtps://mail.example.org/path", "no path"),
        ("smtps://mail.example.org:99999", "port"),
        ("mail.example.org", "expected smtp://"),
    ],
)
def test_a_bad_smtp_url_says_why(tmp_path: Path, url: str, says: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(settings_from(tmp_path, KINFOLK_SMTP_URL=url))
    [problem] = refused.value.problems
    assert problem.startswith("KINFOLK_SMTP_URL: ")
    assert says in problem


def test_no_smtp_by_default_and_a_sender_named_after_the_node(tmp_path: Path) -> None:
    settings = load_settings(
        settings_from(
            tmp_path, KINFOLK_BASE_URL="https://support.example.org", KINFOLK_NODE_NAME="Circle"
        )
    )
    assert settings.smtp_url is None
    assert settings.mail_from == "Circle <noreply@support.example.org>"
    assert describe(settings)["smtp_url"] == "(none: no mail is sent)"


def test_the_file_sets_mail_and_config_never_shows_the_password(tmp_path: Path) -> None:
    (tmp_path / "kinfolk.toml").write_text(
        'smtp_url = "smtps://kinfolk:hunter2-secret@mail.example.org"\n'
        'mail_from = "Support <help@example.org>"\n',
        encoding="utf-8",
    )
    settings = load_settings(settings_from(tmp_path))
    assert settings.smtp_url == SmtpServer(
        "mail.example.org", 465, "smtps", "kinfolk", "hunter2-secret"
    )
    assert settings.mail_from == "Support <help@example.org>"
    shown = describe(settings)
    assert shown["smtp_url"] == "smtps://kinfolk@mail.example.org:465"
    assert "hunter2" not in str(shown)
    assert "hunter2" not in repr(settings)


def test_a_bad_sender_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(settings_from(tmp_path, KINFOLK_MAIL_FROM="Kinfolk <not an address>"))
    [problem] = refused.value.problems
    assert problem.startswith("KINFOLK_MAIL_FROM: ")
