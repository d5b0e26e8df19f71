"""``make dev``'s start banner (issue 11, item 4): which registration limit it answers with and why (the README
said ``10/3600`` while ``make dev`` answered ``q=1000``, unexplained); that the data is kept across restarts;
and, last, framed, the admin key with where its file is and how to use it, printed once the startup output
settled (it used to scroll away under JSON logs and EMF blobs within seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from intentbid.config import RateLimits
from intentbid_local import snapshot
from intentbid_local.environment import LOCAL_DEFAULTS
from intentbid_local.run import RULE, banner, parse_args, settle
from intentbid_local.runtime import RuntimeInfo
from intentbid_local.snapshot import Store

ROOT = Path(__file__).resolve().parents[2]
INFO = RuntimeInfo("http://127.0.0.1:8080", "http://127.0.0.1:5000", "ib_live_x", "adm_x", 1.0)
LOCAL = LOCAL_DEFAULTS["INTENTBID_RATE_LIMIT_REGISTER"]
DEFAULT = str(RateLimits().rate_limit_register)


def test_the_banner_names_the_raised_registration_limit_and_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTENTBID_RATE_LIMIT_REGISTER", LOCAL)  # as environment.apply_base sets it
    text = banner(INFO, [])
    assert f"registrations {LOCAL} per source IP" in text
    assert f"raised locally from the default {DEFAULT}" in text and "127.0.0.1" in text


def test_an_explicit_setting_is_shown_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTENTBID_RATE_LIMIT_REGISTER", "5/60")
    text = banner(INFO, [])
    assert "registrations 5/60 per source IP" in text and "raised locally" not in text


def test_the_readme_explains_the_local_registration_limit() -> None:
    row = next(
        line for line in (ROOT / "README.md").read_text().splitlines() if "`INTENTBID_RATE_LIMIT_REGISTER`" in line
    )
    assert f"`{DEFAULT}`" in row and f"`{LOCAL}`" in row and "127.0.0.1" in row


# --- the admin key is the banner's last, framed lines (issue 11, item 4: it scrolled away under the logs)


def framed_tail(text: str) -> list[str]:
    """The lines of the banner's last frame (between its last two rules)."""
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines[-1] == RULE, lines[-1]
    start = len(lines) - 2 - lines[-2::-1].index(RULE)
    return lines[start + 1 : -1]


def test_the_admin_key_is_last_framed_with_the_dashboard_and_how_to_use_it(tmp_path: Path) -> None:
    data = Store(tmp_path / ".local")
    text = banner(INFO, ["rfo_expire"], data)
    tail = framed_tail(text)
    assert tail[0].split() == ["Admin", "key", "ib_live_x"]
    key_file = str(data.admin_key_path)
    assert any(key_file in line and "0600" in line for line in tail)
    assert any(INFO.dashboard_url in line for line in tail)
    assert any(f'Bearer $(cat {key_file})" {INFO.url}/v1/me' in line for line in tail)
    assert text.count("ib_live_x") == 1
    above = text[: text.rindex(tail[0])]
    for section in ("API", "Dashboard", "Docs", "Workers", "Limits", "Data", "Ctrl-C"):
        assert f"  {section}" in above  # everything else comes before the key


def test_the_banner_says_the_data_is_kept_and_how_to_start_empty(tmp_path: Path) -> None:
    data = Store(tmp_path / ".local", save_every_s=10)
    text = banner(INFO, [], data)
    assert f"kept across restarts in {data.data_path} (started empty)" in text
    assert "saved every 10s when changed and on Ctrl-C; make dev-reset starts empty" in text
    restored = RuntimeInfo(INFO.url, INFO.moto_url, "ib_live_x", "adm_x", 1.0, restored=42)
    assert "(restored 42 item(s))" in banner(restored, [], data)


def test_without_a_data_dir_the_banner_says_nothing_is_kept() -> None:
    text = banner(INFO, [])
    assert "not kept: it lives only as long as this process" in text
    assert framed_tail(text)[0].split()[:3] == ["Admin", "key", "ib_live_x"]


def test_paths_are_shown_relative_to_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = banner(INFO, [], Store(Path(".local")))
    assert "in .local/data.json" in text and "also in .local/admin-key (mode 0600)" in text


class FakeClock:
    def __init__(self, writes: list[float]) -> None:
        self.now = 100.0
        self.writes = writes  # when lines are written (the startup logs), in clock time
        self.waits: list[float] = []

    def last_line_at(self) -> float:
        return max([0.0, *(w for w in self.writes if w <= self.now)])

    def wait(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def test_the_banner_waits_until_the_startup_output_settles() -> None:
    clock = FakeClock([100.0, 100.2, 100.4])  # logs still arriving at start
    assert settle(clock.last_line_at, quiet_s=0.3, max_s=3, clock=lambda: clock.now, wait=clock.wait)
    assert clock.now >= 100.4 + 0.3  # printed only after the last log line and a quiet spell
    assert clock.now - clock.last_line_at() >= 0.3


def test_a_chatty_start_delays_the_banner_at_most_max_s() -> None:
    clock = FakeClock([100.0 + i * 0.1 for i in range(200)])  # never quiet
    assert not settle(clock.last_line_at, quiet_s=0.3, max_s=2, clock=lambda: clock.now, wait=clock.wait)
    assert 102.0 <= clock.now < 102.1


def test_a_quiet_start_prints_at_once() -> None:
    clock = FakeClock([90.0])
    assert settle(clock.last_line_at, quiet_s=0.3, max_s=2, clock=lambda: clock.now, wait=clock.wait)
    assert clock.waits == []


# --- what the README and the Makefile promise is what the runtime does


def quick_start() -> str:
    text = (ROOT / "README.md").read_text()
    return text[text.index("## Quick start") : text.index("### Calling the API")]


def test_the_quick_start_names_the_admin_key_file_and_says_the_data_persists() -> None:
    section = quick_start()
    assert f"`.local/{snapshot.ADMIN_KEY_FILE}`" in section and "0600" in section
    assert "Data persists across restarts" in section and f"`.local/{snapshot.DATA_FILE}`" in section
    assert "`make dev-reset`" in section and "starts empty" in section


def test_make_dev_keeps_its_data_in_dot_local_and_dev_reset_passes_reset() -> None:
    makefile = (ROOT / "Makefile").read_text()
    phony = makefile[makefile.index(".PHONY:") :].split("\n\n", 1)[0]
    assert " dev " in phony and " dev-reset " in phony
    assert "DATA_DIR ?= .local" in makefile
    dev = makefile[makefile.index("\ndev:") :].split("\n\n", 1)[0]
    reset = makefile[makefile.index("\ndev-reset:") :].split("\n\n", 1)[0]
    assert "## " in dev and "-m intentbid_local.run --data-dir $(DATA_DIR)" in dev and "--reset" not in dev
    assert "## " in reset and "-m intentbid_local.run --data-dir $(DATA_DIR) --reset" in reset
    args = parse_args(["--data-dir", ".local", "--reset"])
    assert args.data_dir == Path(".local") and args.reset and args.save_every == 10
    assert (ROOT / ".gitignore").read_text().splitlines().count(".local/") == 1
