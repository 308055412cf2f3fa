"""The orbit-tui command line: version, help, config show/path/init, keys, app and sandbox wiring."""

from __future__ import annotations

import inspect
import os
import stat
import subprocess
import sys
import tomllib
import types
from pathlib import Path
from typing import Any

import pytest

from orbit_tui import __version__
from orbit_tui.cli import main
from orbit_tui.keymap import DEFAULT_KEYMAP

LIVE = "dv_live_sk_0123456789abcdef9f2c"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every orbit-tui path into tmp_path; return the config file path."""
    for name in list(os.environ):
        if name.startswith("ORBIT_"):
            monkeypatch.delenv(name)
    config = tmp_path / "conf" / "config.toml"
    monkeypatch.setenv("ORBIT_TUI_CONFIG", str(config))
    monkeypatch.setenv("ORBIT_TUI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ORBIT_TUI_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    return config


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m orbit_tui`` in a real subprocess with the (monkeypatched) environment."""
    return subprocess.run(
        [sys.executable, "-m", "orbit_tui", *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ),
        check=False,
    )


# --- version and help ------------------------------------------------------------------


def test_version_in_a_subprocess(home: Path) -> None:
    done = run_cli("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"orbit-tui {__version__}"


def test_help_documents_every_command(home: Path) -> None:
    done = run_cli("--help")
    assert done.returncode == 0
    for words in ("config init", "config show", "config path", "keys", "sandbox serve",
                  "--profile", "--base-url", "--api-key-env", "--read-only", "--theme",
                  "--fresh-demo", "ORBIT_API_KEY"):
        assert words in done.stdout
    assert "--smoke" not in done.stdout


@pytest.mark.parametrize(
    "argv",
    [["config", "--help"], ["config", "init", "--help"], ["config", "show", "--help"],
     ["config", "path", "--help"], ["keys", "--help"], ["sandbox", "--help"],
     ["sandbox", "serve", "--help"]],
)
def test_every_subcommand_has_help(home: Path, argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: orbit-tui")
    assert len(out.splitlines()) > 3


def test_sandbox_serve_help_lists_every_option(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["sandbox", "serve", "--help"])
    out = capsys.readouterr().out
    for option in ("--host", "--port", "--db", "--contacts", "--seed", "--api-key", "--latency",
                   "--jitter", "--error-rate", "--rate-limit", "--drop-rate", "--fresh", "--hostile"):
        assert option in out


# --- config show / path ----------------------------------------------------------------


def test_config_show_masks_the_key(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORBIT_API_KEY", LIVE)
    done = run_cli("config", "show")
    assert done.returncode == 0, done.stderr
    assert "dv_live_sk_…9f2c" in done.stdout
    assert "LIVE" in done.stdout
    assert "$ORBIT_API_KEY" in done.stdout
    assert LIVE not in done.stdout + done.stderr


def test_config_show_demo_and_flag_sources(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "show", "--read-only", "--theme", "mono"]) == 0
    out = capsys.readouterr().out
    assert "DEMO" in out
    assert "(--read-only)" in out and "(--theme)" in out
    assert "config init" in out  # how to leave the demo


def test_config_path_lists_every_location(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "path"]) == 0
    out = capsys.readouterr().out
    assert f"config      {home}" in out
    assert str(home.parent / "themes") in out
    assert str(tmp_path / "cache") in out
    assert str(tmp_path / "data" / "jobs.db") in out


def test_config_path_works_even_with_a_broken_file(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home.parent.mkdir(parents=True)
    home.write_text("[[[")
    assert main(["config", "path"]) == 0


# --- broken config: exit 2, one message, no traceback -----------------------------------


@pytest.mark.parametrize("argv", [["config", "show"], ["--read-only"], ["keys"]])
def test_broken_config_exits_2_without_traceback(home: Path, argv: list[str]) -> None:
    home.parent.mkdir(parents=True)
    home.write_text('default_profile = "a"\n[profiles.a]\napi_key_env = "K"\nread_only = 1\n')
    home.chmod(0o600)
    done = run_cli(*argv)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert str(home) in done.stderr
    assert "line 4" in done.stderr and "profiles.a.read_only" in done.stderr
    assert done.stderr.count("\n") == 1  # one message


def test_unknown_profile_flag_exits_2(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--profile", "nope", "config", "show"]) == 2
    assert "profile 'nope' is not defined" in capsys.readouterr().err


def test_bad_option_value_exits_2(home: Path) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["sandbox", "serve", "--error-rate", "1.5"])
    assert caught.value.code == 2


# --- config init -----------------------------------------------------------------------


def test_config_init_with_flags_round_trips(home: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["config", "init", "--name", "work", "--api-key-env", "WORK_KEY",
                 "--base-url", "https://w.example/api/v1", "--read-only", "--theme", "dark"]) == 0
    assert stat.S_IMODE(home.stat().st_mode) == 0o600
    assert main(["config", "init", "--name", "lab", "--api-key-command", "echo k",
                 "--default"]) == 0
    data = tomllib.loads(home.read_text())
    assert data["default_profile"] == "lab"
    assert data["profiles"]["work"] == {
        "base_url": "https://w.example/api/v1", "api_key_env": "WORK_KEY",
        "read_only": True, "theme": "dark",
    }
    assert data["profiles"]["lab"] == {"api_key_command": "echo k"}
    capsys.readouterr()
    monkeypatch.setenv("WORK_KEY", LIVE)
    assert main(["config", "show", "--profile", "work"]) == 0
    out = capsys.readouterr().out
    assert "dv_live_sk_…9f2c" in out and "https://w.example/api/v1" in out


def test_config_init_keeps_other_tables(home: Path) -> None:
    home.parent.mkdir(parents=True)
    home.write_text('[keymap]\n"table.mark" = "x"\n[settings]\npage_size = 20\n'
                    f'[profiles.old]\napi_key = "{LIVE}"\n')
    assert main(["config", "init", "--name", "new", "--api-key-env", "K"]) == 0
    data = tomllib.loads(home.read_text())
    assert data["keymap"] == {"table.mark": "x"}
    assert data["settings"] == {"page_size": 20}
    assert data["profiles"]["old"] == {"api_key": LIVE}
    assert set(data["profiles"]) == {"old", "new"}


def test_config_init_without_a_key_source_and_no_terminal_exits_2(home: Path) -> None:
    done = run_cli("config", "init", "--name", "x")
    assert done.returncode == 2
    assert "--api-key-env" in done.stderr
    assert not home.exists()


def test_config_init_with_api_key_warns_about_history(home: Path) -> None:
    done = run_cli("config", "init", "--api-key", LIVE)
    assert done.returncode == 0
    assert "shell history" in done.stderr
    assert LIVE not in done.stdout + done.stderr
    assert tomllib.loads(home.read_text())["profiles"]["default"]["api_key"] == LIVE


def test_config_init_asks_in_a_terminal(home: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    answers = iter(["work", "orbit.example", "", "3", "y"])
    monkeypatch.setattr("orbit_tui.cli_config._interactive", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    monkeypatch.setattr("getpass.getpass", lambda prompt="": LIVE)
    assert main(["config", "init"]) == 0
    data = tomllib.loads(home.read_text())
    assert data["profiles"]["work"] == {
        "base_url": "https://orbit-api.devotel.io/api/v1", "api_key": LIVE, "read_only": True,
    }
    out = capsys.readouterr().out
    assert LIVE not in out
    assert "expected an http:// or https:// URL" in out  # asked again after a bad URL


# --- keys ------------------------------------------------------------------------------


def test_keys_prints_every_binding(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys"]) == 0
    out = capsys.readouterr().out
    for binding in DEFAULT_KEYMAP:
        assert binding in out


def test_keys_shows_overrides_and_reports_clashes(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home.parent.mkdir(parents=True)
    home.write_text('[keymap]\n"contacts.mark" = "f"\n"app.qiut" = "x"\n')
    home.chmod(0o600)
    assert main(["keys"]) == 1
    captured = capsys.readouterr()
    assert "f *" in captured.out
    assert "contacts.mark" in captured.err and "contacts.filters" in captured.err
    assert "'app.qiut' names no binding" in captured.err


# --- running the app -------------------------------------------------------------------


def test_app_gets_the_resolved_config_and_smoke(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def fake_run(resolved: Any, *, smoke: bool = False) -> int:
        seen.update(resolved=resolved, smoke=smoke)
        return 0

    fake = types.ModuleType("orbit_tui.ui.launch")
    fake.run = fake_run  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "orbit_tui.ui.launch", fake)
    assert main(["--smoke", "--read-only", "--theme", "t", "--fresh-demo"]) == 0
    assert seen["smoke"] is True
    resolved = seen["resolved"]
    assert resolved.demo is True and resolved.read_only is True
    assert resolved.theme == "t" and resolved.fresh_demo is True


def test_missing_ui_is_a_clear_message(home: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "orbit_tui.ui.launch", None)
    assert main([]) == 1
    assert "not part of this build" in capsys.readouterr().err


# --- sandbox serve ---------------------------------------------------------------------


def test_sandbox_serve_passes_every_option(home: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []

    class Faults:
        def __init__(self, **kwargs: Any) -> None:
            self.kwargs = kwargs

    fake = types.ModuleType("orbit_tui.sandbox")
    fake.DEMO_API_KEY = "dv_test_sk_demo_x"  # type: ignore[attr-defined]
    fake.Faults = Faults  # type: ignore[attr-defined]
    fake.serve = lambda **kwargs: calls.append(kwargs)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "orbit_tui.sandbox", fake)
    db = tmp_path / "s.db"
    assert main(["sandbox", "serve", "--port", "0", "--db", str(db), "--contacts", "10",
                 "--seed", "3", "--api-key", "k1", "--api-key", "k2", "--latency", "50",
                 "--jitter", "5", "--error-rate", "0.2", "--rate-limit", "60",
                 "--drop-rate", "0.1", "--ignore-filter", "country_code", "--ignore-filter", "tags",
                 "--fresh", "--hostile"]) == 0
    (call,) = calls
    assert call["host"] == "127.0.0.1" and call["port"] == 0 and call["db"] == db
    assert call["contacts"] == 10 and call["seed"] == 3 and call["fresh"] is True
    assert call["hostile"] is True
    assert call["api_keys"] == ["k1", "k2"]
    assert call["faults"].kwargs == {"latency_ms": 50.0, "jitter_ms": 5.0, "error_rate": 0.2,
                                     "rate_limit_per_min": 60, "drop_rate": 0.1,
                                     "ignore_filters": ("country_code", "tags")}
    calls.clear()
    assert main(["sandbox", "serve"]) == 0
    assert calls[0]["api_keys"] == ["dv_test_sk_demo_x"]
    assert calls[0]["db"] == tmp_path / "data" / "sandbox.db"


def test_real_sandbox_serve_accepts_what_the_cli_passes() -> None:
    sandbox = pytest.importorskip("orbit_tui.sandbox")
    serve = getattr(sandbox, "serve", None)
    if serve is None:
        pytest.skip("the sandbox does not export serve() yet")
    params = inspect.signature(serve).parameters
    for name in ("host", "port", "db", "contacts", "seed", "api_keys", "faults", "fresh", "hostile"):
        assert name in params


# --- commands from other areas ---------------------------------------------------------


def test_bulk_commands_are_wired_in_when_present(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("orbit_tui.bulk_cli")
    with pytest.raises(SystemExit) as caught:
        main(["bulk", "--help"])
    assert caught.value.code == 0
    assert "tag" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "bulk" in capsys.readouterr().out


def test_version_does_not_load_the_bulk_engine(home: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c",
         "import sys; from orbit_tui.cli import build_parser; build_parser(['--version']);"
         "print('orbit_tui.bulk_cli' in sys.modules, 'textual' in sys.modules)"],
        capture_output=True, text=True, timeout=60, check=True,
    )
    assert done.stdout.split() == ["False", "False"]


def test_config_init_cancelled_at_a_prompt_writes_nothing(home: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    def no_more_input(prompt: str = "") -> str:
        raise EOFError

    monkeypatch.setattr("orbit_tui.cli_config._interactive", lambda: True)
    monkeypatch.setattr("builtins.input", no_more_input)
    assert main(["config", "init"]) == 130
    assert "cancelled" in capsys.readouterr().err
    assert not home.exists()


def test_config_init_updates_an_existing_profile_without_a_key_source(home: Path) -> None:
    assert main(["config", "init", "--name", "work", "--api-key-env", "K"]) == 0
    assert main(["config", "init", "--name", "work", "--theme", "light", "--no-read-only"]) == 0
    profile = tomllib.loads(home.read_text())["profiles"]["work"]
    assert profile == {"api_key_env": "K", "theme": "light", "read_only": False}


def test_config_show_says_an_unrecognised_key_is_treated_as_live(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ORBIT_API_KEY", "whatever-" + "k" * 20)
    assert main(["config", "show"]) == 0
    out = capsys.readouterr().out
    assert "treated as LIVE" in out and "k" * 20 not in out
