"""Configuration: defaults, the TOML file, the environment, and how mistakes are reported."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from web.config import SECRET_FILE_NAME, ConfigError, Settings, describe, load_settings

SECRET = "s" * 40


def write_toml(directory: Path, text: str) -> Path:
    path = directory / "kinfolk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def refused(environ: dict[str, str]) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_settings(environ)
    return caught.value


def problems_of(environ: dict[str, str]) -> list[str]:
    return refused(environ).problems


def test_defaults_serve_sqlite_in_the_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings({"KINFOLK_SECRET_KEY": SECRET})

    assert settings.base_url == "http://127.0.0.1:8080"
    assert settings.domain == "127.0.0.1:8080"
    assert settings.data_dir == Path("data")
    expected = (tmp_path / "data" / "kinfolk.sqlite3").resolve()
    assert settings.database_url == f"sqlite+aiosqlite:///{expected}"
    assert settings.is_sqlite
    assert settings.database_schema is None
    assert (settings.port, settings.registrations_open) == (8080, True)


def test_the_environment_wins_over_the_file(tmp_path: Path) -> None:
    write_toml(
        tmp_path,
        'node_name = "Circle from the file"\nport = 9000\nregistrations_open = false\n'
        'base_url = "https://file.example"\n',
    )
    settings = load_settings(
        {
            "KINFOLK_DATA_DIR": str(tmp_path),
            "KINFOLK_SECRET_KEY": SECRET,
            "KINFOLK_PORT": "9100",
            "KINFOLK_BASE_URL": "https://Support.Example.org/",
        }
    )

    assert settings.node_name == "Circle from the file"
    assert settings.registrations_open is False
    assert settings.port == 9100
    assert settings.base_url == "https://support.example.org"


def test_an_explicit_config_file_is_read_from_anywhere(tmp_path: Path) -> None:
    elsewhere = tmp_path / "etc"
    elsewhere.mkdir()
    path = write_toml(elsewhere, 'node_name = "Elsewhere"\nlog_level = "debug"\n')
    settings = load_settings(
        {
            "KINFOLK_CONFIG": str(path),
            "KINFOLK_DATA_DIR": str(tmp_path),
            "KINFOLK_SECRET_KEY": SECRET,
        }
    )
    assert (settings.node_name, settings.log_level) == ("Elsewhere", "DEBUG")


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_plain_postgres_urls_get_the_async_driver(tmp_path: Path, scheme: str) -> None:
    settings = load_settings(
        {
            "KINFOLK_DATA_DIR": str(tmp_path),
            "KINFOLK_SECRET_KEY": SECRET,
            "DATABASE_URL": f"{scheme}://kin:pw@db.internal:5432/kinfolk",
            "KINFOLK_DATABASE_SCHEMA": "node_one",
        }
    )
    assert settings.database_url == "postgresql+asyncpg://kin:pw@db.internal:5432/kinfolk"
    assert settings.database_schema == "node_one"
    assert not settings.is_sqlite


def test_every_bad_value_is_reported_at_once_with_its_variable(tmp_path: Path) -> None:
    write_toml(tmp_path, 'node_name = "ok"\nfavourite_colour = "teal"\n')
    error = refused(
        {
            "KINFOLK_DATA_DIR": str(tmp_path),
            "KINFOLK_PORT": "70000",
            "KINFOLK_BASE_URL": "https://support.example.org/kinfolk",
            "KINFOLK_REGISTRATIONS_OPEN": "maybe",
            "KINFOLK_SECRET_KEY": "too-short",
            "KINFOLK_DATABASE_SCHEMA": "node_one",
            "KINFOLK_LOG_FORMAT": "xml",
        }
    )
    problems = error.problems

    def about(marker: str) -> str:
        [problem] = [p for p in problems if marker in p]
        return problem

    assert len(problems) == 7, problems
    assert "65535" in about("KINFOLK_PORT")
    assert "no path" in about("KINFOLK_BASE_URL")
    assert "true or false" in about("KINFOLK_REGISTRATIONS_OPEN")
    assert "32 characters" in about("KINFOLK_SECRET_KEY")
    assert "PostgreSQL" in about("KINFOLK_DATABASE_SCHEMA")
    assert "text, json" in about("KINFOLK_LOG_FORMAT")
    assert "unknown setting" in about("'favourite_colour'")
    # One exception, whose message lists every problem for the admin.
    assert all(problem in str(error) for problem in problems)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("KINFOLK_BASE_URL", "ftp://support.example.org"),
        ("KINFOLK_BASE_URL", "support.example.org"),
        ("KINFOLK_BASE_URL", "https://support.example.org/?x=1"),
        ("KINFOLK_PORT", "eighty"),
        ("KINFOLK_PORT", "-1"),
        ("DATABASE_URL", "mysql://db/kinfolk"),
        ("KINFOLK_DATABASE_SCHEMA", "1node"),
        ("KINFOLK_DATABASE_SCHEMA", 'x"; DROP SCHEMA public; --'),
        ("KINFOLK_MAX_REQUEST_BYTES", "0"),
        ("KINFOLK_LOG_LEVEL", "LOUD"),
        ("KINFOLK_ALLOW_PRIVATE_ADDRESSES", "sometimes"),
        ("KINFOLK_DELIVERY_CONCURRENCY", "0"),
        ("KINFOLK_DELIVERY_CONCURRENCY", "100000"),
        ("KINFOLK_DELIVERY_CONCURRENCY", "many"),
        ("KINFOLK_TRUSTED_PROXIES", "10.0.0.0/8, proxy.internal"),
        ("KINFOLK_TRUSTED_PROXIES", "10.0.0.0/33"),
        ("KINFOLK_METRICS_ALLOWED", "prometheus.internal"),
        ("KINFOLK_METRICS_TOKEN", "short"),
    ],
)
def test_a_bad_value_names_its_variable(tmp_path: Path, variable: str, value: str) -> None:
    environ = {
        "KINFOLK_DATA_DIR": str(tmp_path),
        "KINFOLK_SECRET_KEY": SECRET,
        "DATABASE_URL": "postgresql://db/kinfolk",
        variable: value,
    }
    problems = problems_of(environ)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{variable}: ")


def test_a_bad_value_in_the_file_names_the_file_and_key(tmp_path: Path) -> None:
    path = write_toml(tmp_path, "port = 123456\n")
    problems = problems_of({"KINFOLK_DATA_DIR": str(tmp_path), "KINFOLK_SECRET_KEY": SECRET})
    assert len(problems) == 1
    assert problems[0].startswith(f"{path} [port]: ")


def test_a_file_that_is_not_toml_is_reported(tmp_path: Path) -> None:
    path = write_toml(tmp_path, "port = = 1\n")
    problems = problems_of({"KINFOLK_DATA_DIR": str(tmp_path), "KINFOLK_SECRET_KEY": SECRET})
    [problem] = problems
    assert problem.startswith(f"{path}: not valid TOML")


def test_a_missing_explicit_config_file_is_reported(tmp_path: Path) -> None:
    problems = problems_of(
        {"KINFOLK_CONFIG": str(tmp_path / "absent.toml"), "KINFOLK_SECRET_KEY": SECRET}
    )
    [problem] = problems
    assert "cannot read the configuration file" in problem


@pytest.mark.parametrize(("raw", "expected"), [("yes", True), ("OFF", False), (" 1 ", True)])
def test_booleans_accept_the_usual_spellings(tmp_path: Path, raw: str, expected: bool) -> None:
    settings = load_settings(
        {
            "KINFOLK_DATA_DIR": str(tmp_path),
            "KINFOLK_SECRET_KEY": SECRET,
            "KINFOLK_REGISTRATIONS_OPEN": raw,
        }
    )
    assert settings.registrations_open is expected


def test_the_secret_is_generated_once_privately_and_then_reused(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh"
    first = load_settings({"KINFOLK_DATA_DIR": str(data_dir)})
    path = data_dir / SECRET_FILE_NAME

    assert len(first.secret_key) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text(encoding="utf-8").strip() == first.secret_key
    second = load_settings({"KINFOLK_DATA_DIR": str(data_dir)})
    assert second.secret_key == first.secret_key


@pytest.mark.parametrize("stored", ["", "\n", "short"])
def test_a_stored_secret_too_short_to_protect_anything_is_refused(
    tmp_path: Path, stored: str
) -> None:
    path = tmp_path / SECRET_FILE_NAME
    path.write_text(stored, encoding="utf-8")  # e.g. a crash between creating and writing it
    [problem] = problems_of({"KINFOLK_DATA_DIR": str(tmp_path)})
    assert problem.startswith(f"{path}: ")


def test_a_configured_secret_leaves_the_data_directory_alone(tmp_path: Path) -> None:
    settings = load_settings({"KINFOLK_DATA_DIR": str(tmp_path), "KINFOLK_SECRET_KEY": SECRET})
    assert settings.secret_key == SECRET
    assert not (tmp_path / SECRET_FILE_NAME).exists()


def test_without_create_secret_nothing_is_written(tmp_path: Path) -> None:
    settings = load_settings({"KINFOLK_DATA_DIR": str(tmp_path)}, create_secret=False)
    assert len(settings.secret_key) >= 32
    assert not (tmp_path / SECRET_FILE_NAME).exists()


def test_describe_masks_the_secret() -> None:
    shown = describe(Settings(secret_key=SECRET, base_url="https://support.example.org"))
    assert shown["secret_key"] == "********"
    assert SECRET not in shown.values()
    assert shown["base_url"] == "https://support.example.org"


def test_trusted_proxies_default_to_this_machine_and_take_lists(tmp_path: Path) -> None:
    base = {"KINFOLK_DATA_DIR": str(tmp_path), "KINFOLK_SECRET_KEY": SECRET}
    assert describe(load_settings(base))["trusted_proxies"] == "127.0.0.0/8, ::1/128"
    from_env = load_settings({**base, "KINFOLK_TRUSTED_PROXIES": "10.1.2.3, fd00::/8"})
    assert [str(n) for n in from_env.trusted_proxies] == ["10.1.2.3/32", "fd00::/8"]
    assert load_settings({**base, "KINFOLK_TRUSTED_PROXIES": ""}).trusted_proxies == ()
    write_toml(tmp_path, 'trusted_proxies = ["192.0.2.7", "198.51.100.0/24"]\n')
    from_file = load_settings(base)
    assert [str(n) for n in from_file.trusted_proxies] == ["192.0.2.7/32", "198.51.100.0/24"]


def test_metrics_are_for_this_machine_unless_the_admin_names_more(tmp_path: Path) -> None:
    base = {"KINFOLK_DATA_DIR": str(tmp_path), "KINFOLK_SECRET_KEY": SECRET}
    shown = describe(load_settings(base))
    assert shown["metrics_allowed"] == "127.0.0.0/8, ::1/128"
    assert shown["metrics_token"] == "(none)"
    token = "m" * 40
    chosen = load_settings(
        {**base, "KINFOLK_METRICS_ALLOWED": "10.0.0.5", "KINFOLK_METRICS_TOKEN": token}
    )
    assert [str(n) for n in chosen.metrics_allowed] == ["10.0.0.5/32"]
    assert chosen.metrics_token == token
    assert describe(chosen)["metrics_token"] == "********"


def test_two_first_starts_at_once_share_one_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other process wins the race to store its secret: we use that one, not ours."""
    theirs = "t" * 48
    real_link = os.link

    def lose_the_race(source: str | Path, target: str | Path) -> None:
        Path(target).write_text(theirs + "\n", encoding="utf-8")
        real_link(source, target)  # raises FileExistsError, as a lost race does

    monkeypatch.setattr(os, "link", lose_the_race)
    settings = load_settings({"KINFOLK_DATA_DIR": str(tmp_path)})
    assert settings.secret_key == theirs
    assert sorted(p.name for p in tmp_path.iterdir()) == [SECRET_FILE_NAME]
