"""The installers: build them, then run the BUILT and the INSTALLED program, not the sources.

`make installer` builds the PyInstaller bundle (dist/practice-desk/, reused when the sources have
not changed) and the .deb; these tests run the bundle's `--self-test` offscreen, unpack the .deb
with `dpkg -x` into a temporary root and run the installed program's `--self-test` too, and check
that the Windows installer script and workflow agree with the spec. Slow (about a minute on 2
cores from scratch): marked `installer`; `make test` runs it.
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from practice_desk import APP_NAME, __version__

pytestmark = pytest.mark.installer

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "dist"
BUNDLE = DIST / "practice-desk"
ISS = ROOT / "installers" / "windows" / "practice_desk.iss"
WORKFLOW = ROOT / ".github" / "workflows" / "windows-installer.yml"
SPEC = ROOT / "installers" / "practice_desk.spec"
DESKTOP = ROOT / "resources" / "practice-desk.desktop"
LOG_NAME = "practice-desk.log"

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the .deb and the Linux bundle are built on Linux"
)


def _debian_version() -> str:
    sys.path.insert(0, str(ROOT / "installers" / "linux"))
    try:
        import build_deb
    finally:
        sys.path.pop(0)
    return build_deb.debian_version(__version__)


def _arch() -> str:
    return subprocess.run(
        ["dpkg", "--print-architecture"], check=True, capture_output=True, text=True
    ).stdout.strip()


def _clean_env(home: Path, **extra: str) -> dict[str, str]:
    """A desktop-like environment without the venv: nothing from the sources can leak in."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "QT_QPA_PLATFORM": "offscreen",
    }
    env.update(extra)
    return env


def _run_self_test(program: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(program), "--self-test"], env=env, capture_output=True, text=True, timeout=300,
        cwd=env["HOME"],
    )


def _check_self_test(result: subprocess.CompletedProcess, log_file: Path) -> None:
    report = f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert result.returncode == 0, report
    assert "Self-test passed" in result.stdout, report
    assert log_file.is_file(), f"no log file at {log_file}\n{report}"
    log = log_file.read_text(encoding="utf-8")
    assert f"{APP_NAME} {__version__}" in log
    for step in ("ok  import", "ok  metrics", "ok  chart", "Self-test passed"):
        assert step in log, f"{step!r} missing from the log:\n{log}"
    assert "ERROR" not in log and "Traceback" not in log, log


@pytest.fixture(scope="module")
def built() -> dict[str, Path]:
    """Run `make installer` (installs PyInstaller if needed; reuses a fresh bundle)."""
    for tool in ("make", "dpkg-deb", "dpkg"):
        assert shutil.which(tool), f"{tool} is needed to build the Linux package"
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    result = subprocess.run(
        ["make", "installer"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200
    )
    output = (result.stdout + result.stderr)[-6000:]
    assert result.returncode == 0, f"make installer failed:\n{output}"
    deb = DIST / f"practice-desk_{_debian_version()}_{_arch()}.deb"
    assert deb.is_file(), f"{deb} was not built:\n{output}"
    return {"bundle": BUNDLE, "deb": deb}


# --- the built bundle --------------------------------------------------------------------------


@linux_only
def test_built_program_self_test_passes_offscreen_and_logs(built, tmp_path):
    log_dir = tmp_path / "logs"
    env = _clean_env(tmp_path, PRACTICE_DESK_LOG_DIR=str(log_dir))
    result = _run_self_test(built["bundle"] / "practice-desk", env)
    _check_self_test(result, log_dir / LOG_NAME)


@linux_only
def test_bundle_holds_resources_and_one_qt_binding_only(built):
    internal = built["bundle"] / "_internal"
    for name in ("icon.png", "icon.svg", "icon.ico"):
        assert (internal / "resources" / name).is_file()
    assert list((internal / "resources" / "samples").glob("*.zip")), "bundled sample missing"
    for other in ("PyQt5", "PyQt6", "PySide2", "tkinter", "_tkinter", "matplotlib"):
        assert not list(internal.glob(f"{other}*")), f"{other} must not be bundled"
    bindings = {p.name for p in (internal / "PySide6").glob("Qt*.abi3.so")}
    assert {"QtCore.abi3.so", "QtGui.abi3.so", "QtWidgets.abi3.so"} <= bindings
    unused = {"QtQml", "QtQuick", "QtNetwork", "QtWebEngineCore", "QtMultimedia", "QtTest"}
    assert not {b.split(".")[0] for b in bindings} & unused, bindings
    assert (internal / "PySide6" / "Qt" / "plugins" / "platforms").is_dir()


# --- the .deb --------------------------------------------------------------------------------


@linux_only
def test_deb_metadata_desktop_entry_and_icon(built, tmp_path):
    deb = built["deb"]
    fields = subprocess.run(
        ["dpkg-deb", "--field", str(deb), "Package", "Version", "Architecture", "Depends"],
        check=True, capture_output=True, text=True,
    ).stdout
    assert "Package: practice-desk" in fields
    assert f"Version: {_debian_version()}" in fields
    assert "libc6" in fields and "libxcb-cursor0" in fields

    listing = subprocess.run(
        ["dpkg-deb", "--contents", str(deb)], check=True, capture_output=True, text=True
    ).stdout
    for path in (
        "./opt/practice-desk/practice-desk",
        "./usr/bin/practice-desk -> ../../opt/practice-desk/practice-desk",
        "./usr/share/applications/practice-desk.desktop",
        "./usr/share/icons/hicolor/256x256/apps/practice-desk.png",
        "./usr/share/icons/hicolor/scalable/apps/practice-desk.svg",
        "./opt/practice-desk/_internal/resources/samples/",
    ):
        assert path in listing, f"{path} not in the package"

    root = tmp_path / "root"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(root / "usr/share/applications/practice-desk.desktop", encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application"
    assert section["Name"] == APP_NAME
    assert section["Terminal"] == "false"
    assert section["Exec"].split()[0] == "practice-desk"
    assert (root / "usr/bin" / section["Exec"].split()[0]).exists()  # resolves in the package
    assert (root / "usr/share/icons/hicolor/256x256/apps" / f"{section['Icon']}.png").is_file()
    assert section["Categories"].endswith(";")


@linux_only
def test_installed_program_from_deb_self_test_passes(built, tmp_path):
    """`dpkg -x` stands in for `apt install`: run the program through /usr/bin as a user would."""
    root = tmp_path / "root"
    subprocess.run(["dpkg", "-x", str(built["deb"]), str(root)], check=True)
    home = tmp_path / "home"
    home.mkdir()
    program = root / "usr" / "bin" / "practice-desk"
    assert program.is_symlink()
    result = _run_self_test(program, _clean_env(home))
    # No PRACTICE_DESK_LOG_DIR: the log goes to the user's log folder (XDG state dir on Linux).
    _check_self_test(result, home / ".local" / "state" / "PracticeDesk" / "log" / LOG_NAME)


# --- icon and Windows files (no build needed) -----------------------------------------------


def test_icons_are_present_and_sized():
    png = (ROOT / "resources" / "icon.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (256, 256)
    ico = (ROOT / "resources" / "icon.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind) == (0, 1)
    sizes = {ico[6 + 16 * i] or 256 for i in range(count)}
    assert {16, 32, 48, 256} <= sizes, sizes
    assert "<svg" in (ROOT / "resources" / "icon.svg").read_text(encoding="utf-8")


def _iss_sections(text: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = ""
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(";"):
            continue
        match = re.fullmatch(r"\[(\w+)\]", line)
        if match:
            current = match.group(1)
            sections.setdefault(current, [])
        else:
            sections.setdefault(current, []).append(line)
    return sections


def test_inno_setup_script_is_per_user_versioned_with_shortcuts():
    text = ISS.read_text(encoding="utf-8")
    sections = _iss_sections(text)
    setup = dict(line.split("=", 1) for line in sections["Setup"])
    # Version: only from the command line (the workflow passes practice_desk.__version__).
    assert re.search(r"#ifndef MyAppVersion\s+#error", text)
    assert setup["AppVersion"] == "{#MyAppVersion}"
    assert "{#MyAppVersion}" in setup["OutputBaseFilename"]
    # Per-user, no admin rights.
    assert setup["PrivilegesRequired"] == "lowest"
    assert setup["DefaultDirName"].startswith("{autopf}")
    # Icon files exist where the script says.
    assert (ISS.parent / setup["SetupIconFile"].replace("\\", "/")).resolve().is_file()
    assert setup["UninstallDisplayIcon"] == "{app}\\{#MyAppExeName}"
    # Bundle location and program names agree with the PyInstaller spec.
    bundle = re.search(r'#define BundleDir "([^"]+)"', text).group(1)
    assert (ISS.parent / bundle.replace("\\", "/")).resolve() == BUNDLE.resolve()
    exe = re.search(r'#define MyAppExeName "([^"]+)"', text).group(1)
    spec = SPEC.read_text(encoding="utf-8")
    assert f'make_exe("{exe.removesuffix(".exe")}", console=False)' in spec
    assert 'make_exe("practice-desk", console=True)' in spec
    assert 'name="practice-desk"' in spec  # COLLECT folder = BundleDir
    # Start-menu shortcut always, desktop shortcut as an unchecked option.
    icons = sections["Icons"]
    assert any(i.startswith('Name: "{autoprograms}') and "{#MyAppExeName}" in i for i in icons)
    desktop = [i for i in icons if i.startswith('Name: "{autodesktop}')]
    assert desktop and "Tasks: desktopicon" in desktop[0]
    assert any('Name: "desktopicon"' in t and "unchecked" in t for t in sections["Tasks"])
    # The uninstaller must not delete the user's data folder.
    assert "UninstallDelete" not in sections
    assert "PracticeDesk" not in "".join(sections.get("InstallDelete", []))


def test_windows_workflow_builds_installs_and_self_tests():
    text = WORKFLOW.read_text(encoding="utf-8")
    assert re.search(r"runs-on:\s*windows-", text)
    assert re.search(r'python-version:\s*"3\.11"', text)
    assert 'pip install -e ".[build]"' in text
    assert "practice_desk.__version__" in text
    assert "installers\\practice_desk.spec" in text
    assert "installers\\windows\\practice_desk.iss" in text
    assert '"/DMyAppVersion=${{ steps.version.outputs.version }}"' in text
    for flag in ("/VERYSILENT", "/SUPPRESSMSGBOXES", "/CURRENTUSER"):
        assert flag in text
    # The installed app (per-user folder) runs --self-test; exit code and log file are checked.
    assert "Programs\\Practice Desk" in text
    assert '"$app\\PracticeDesk.exe" -ArgumentList \'--self-test\'' in text
    assert "$p.ExitCode -ne 0" in text
    assert "& \"$app\\practice-desk.exe\" --self-test" in text and "$LASTEXITCODE" in text
    assert "PracticeDesk\\Logs\\practice-desk.log" in text
    assert "Self-test passed" in text
    assert "actions/upload-artifact" in text
    assert "PracticeDesk-Setup-${{ steps.version.outputs.version }}.exe" in text
    # The installer file name in the workflow is the one the script produces.
    iss = ISS.read_text(encoding="utf-8")
    assert "OutputBaseFilename=PracticeDesk-Setup-{#MyAppVersion}" in iss


def test_build_extra_pins_pyinstaller_and_marker_is_registered():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'build = \[\s*"pyinstaller==6\.22\.3",\s*\]', text)
    assert '"installer:' in text
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^installer: setup$", makefile, re.MULTILINE)
    assert DESKTOP.is_file()
