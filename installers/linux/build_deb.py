"""Build the Linux package: PyInstaller bundle -> dist/practice-desk_<version>_<arch>.deb.

    .venv/bin/python installers/linux/build_deb.py            # bundle (if stale) + .deb
    .venv/bin/python installers/linux/build_deb.py --force    # always rebuild the bundle

Steps:
1. Build the one-folder bundle dist/practice-desk/ with installers/practice_desk.spec, unless
   dist/practice-desk.stamp says it was built from exactly the current sources (a content hash of
   the app packages, resources/, the spec and the installed pyproject pins).
2. Stage the package tree:
       /opt/practice-desk/                          the bundle
       /usr/bin/practice-desk                       relative symlink to the bundle's program
       /usr/share/applications/practice-desk.desktop
       /usr/share/icons/hicolor/{256x256,scalable}/apps/practice-desk.{png,svg}
       /usr/share/doc/practice-desk/copyright
3. `dpkg-deb --build --root-owner-group` (no fakeroot needed). The desktop and icon caches are
   refreshed by the dpkg triggers of desktop-file-utils and hicolor-icon-theme, so the package
   has no maintainer scripts. Uninstalling never touches the user's database (~/.local/share).

Only the standard library is used; needs dpkg-deb.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "installers" / "practice_desk.spec"
PACKAGE = "practice-desk"
BUNDLE_NAME = "practice-desk"  # COLLECT name in the spec
INSTALL_DIR = Path("opt") / PACKAGE
# Sources whose content decides whether the bundle is stale.
FINGERPRINT_PATHS = ("practice_desk", "local_db", "ui", "resources", "installers", "pyproject.toml")
# System libraries the bundle expects from the host (PyInstaller never bundles libc/GL/EGL, and
# Qt's xcb and wayland plugins load these). Versions are from Debian 12 / Ubuntu 22.04.
DEPENDS = [
    "libgl1",
    "libegl1",
    "libfontconfig1",
    "libxcb1",
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-keysyms1",
    "libxkbcommon-x11-0",
    "libwayland-client0",
    "libwayland-cursor0",
    "libwayland-egl1",
]
RECOMMENDS = ["fonts-dejavu-core | fonts-liberation2"]
ELF_MAGIC = b"\x7fELF"


def read_version() -> str:
    text = (ROOT / "practice_desk" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'^__version__\s*=\s*"([^"]+)"', text, re.MULTILINE).group(1)


def debian_version(version: str) -> str:
    """PEP 440 -> Debian ordering: pre-releases sort before the release (0.2.0~rc1 < 0.2.0)."""
    return re.sub(r"(?<=\d)[.-]?(a|b|rc|dev)(\d*)$", r"~\1\2", version)


def fingerprint() -> str:
    digest = hashlib.sha256()
    for name in FINGERPRINT_PATHS:
        base = ROOT / name
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
        for path in files:
            rel = path.relative_to(ROOT).as_posix()
            if "__pycache__" in rel or rel.endswith(".pyc"):
                continue
            digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(sys.version.encode())
    return digest.hexdigest()


def build_bundle(dist: Path, work: Path, force: bool) -> Path:
    bundle = dist / BUNDLE_NAME
    stamp = dist / f"{BUNDLE_NAME}.stamp"
    current = fingerprint()
    if not force and bundle.is_dir() and stamp.is_file():
        if json.loads(stamp.read_text()).get("fingerprint") == current:
            print(f"bundle {bundle} is up to date with the sources; not rebuilding")
            return bundle
    stamp.unlink(missing_ok=True)
    started = time.monotonic()
    cmd = [
        sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
        "--distpath", str(dist), "--workpath", str(work), str(SPEC),
    ]
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT)
    seconds = time.monotonic() - started
    stamp.write_text(json.dumps({
        "fingerprint": current,
        "version": read_version(),
        "seconds": round(seconds, 1),
        "bytes": tree_size(bundle),
    }, indent=1))
    print(f"bundle built in {seconds:.0f} s: {bundle} ({tree_size(bundle) / 1e6:.0f} MB)")
    return bundle


def tree_size(folder: Path) -> int:
    return sum(p.lstat().st_size for p in folder.rglob("*") if not p.is_symlink() and p.is_file())


def min_glibc(folder: Path) -> str | None:
    """Highest GLIBC_x.y symbol version any bundled ELF file asks for."""
    best = None
    for path in folder.rglob("*"):
        if path.is_symlink() or not path.is_file():
            continue
        with path.open("rb") as fh:
            if fh.read(4) != ELF_MAGIC:
                continue
            data = fh.read()
        for major, minor in re.findall(rb"GLIBC_(\d+)\.(\d+)", data):
            found = (int(major), int(minor))
            best = max(best, found) if best else found
    return f"{best[0]}.{best[1]}" if best else None


def normalise_modes(folder: Path) -> None:
    """Directories 755, files 755 if executable else 644 (a umask must not leak into the .deb)."""
    for path in [folder, *folder.rglob("*")]:
        if path.is_symlink():
            continue
        mode = path.stat().st_mode
        if path.is_dir() or mode & stat.S_IXUSR:
            path.chmod(0o755)
        else:
            path.chmod(0o644)


def control_file(version: str, arch: str, installed_kib: int, glibc: str | None) -> str:
    depends = ([f"libc6 (>= {glibc})"] if glibc else ["libc6"]) + DEPENDS
    return (
        f"Package: {PACKAGE}\n"
        f"Version: {debian_version(version)}\n"
        f"Architecture: {arch}\n"
        "Maintainer: Practice Desk maintainers <practice-desk@users.noreply.github.com>\n"
        f"Installed-Size: {installed_kib}\n"
        f"Depends: {', '.join(depends)}\n"
        f"Recommends: {', '.join(RECOMMENDS)}\n"
        "Section: misc\n"
        "Priority: optional\n"
        "Description: GP practice access figures, offline\n"
        " Practice Desk shows telephony, appointment and NHS App access figures for\n"
        " GP practices and PCNs in England, from the published NHS data files, on\n"
        " your own PC. No data leaves the computer.\n"
    )


def copyright_file() -> str:
    return (
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
        "Upstream-Name: Practice Desk\n\n"
        "Files: *\n"
        "License: MIT\n"
        "Comment: The bundle under /opt/practice-desk also contains Python, Qt (PySide6,\n"
        " LGPLv3), pyqtgraph (MIT), pandas and numpy (BSD), openpyxl (MIT), python-calamine\n"
        " (MIT), sqlite-utils (Apache-2.0) and platformdirs (MIT), each under its own licence.\n"
    )


def stage(bundle: Path, staging: Path, version: str, arch: str) -> None:
    if staging.exists():
        shutil.rmtree(staging)
    app = staging / INSTALL_DIR
    shutil.copytree(bundle, app, symlinks=True)

    usr_bin = staging / "usr" / "bin"
    usr_bin.mkdir(parents=True)
    # Relative, so the program also runs from a `dpkg -x` tree.
    (usr_bin / PACKAGE).symlink_to(Path("..", "..", INSTALL_DIR, PACKAGE))

    share = staging / "usr" / "share"
    (share / "applications").mkdir(parents=True)
    shutil.copy2(ROOT / "resources" / "practice-desk.desktop",
                 share / "applications" / f"{PACKAGE}.desktop")
    for size, source in (("256x256", "icon.png"), ("scalable", "icon.svg")):
        folder = share / "icons" / "hicolor" / size / "apps"
        folder.mkdir(parents=True)
        shutil.copy2(ROOT / "resources" / source, folder / f"{PACKAGE}{Path(source).suffix}")
    doc = share / "doc" / PACKAGE
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(copyright_file(), encoding="utf-8")

    normalise_modes(staging)
    debian = staging / "DEBIAN"
    debian.mkdir()
    installed_kib = (tree_size(staging) + 1023) // 1024
    (debian / "control").write_text(
        control_file(version, arch, installed_kib, min_glibc(app)), encoding="utf-8"
    )
    normalise_modes(debian)


def build_deb(bundle: Path, dist: Path, work: Path, xz_level: int = 1) -> Path:
    version = read_version()
    arch = subprocess.run(["dpkg", "--print-architecture"], check=True, capture_output=True,
                          text=True).stdout.strip()
    staging = work / "deb-root"
    stage(bundle, staging, version, arch)
    out = dist / f"{PACKAGE}_{debian_version(version)}_{arch}.deb"
    out.unlink(missing_ok=True)
    started = time.monotonic()
    # xz keeps the package readable by every dpkg still in use. On 2 cores level 1 takes ~10 s for
    # 56 MB; dpkg's default level 6 takes ~100 s and saves only ~6 MB (use --xz-level 6 to release).
    cmd = ["dpkg-deb", "--root-owner-group", "-Zxz", f"-z{xz_level}", "--build", str(staging),
           str(out)]
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    print(f"package built in {time.monotonic() - started:.0f} s: {out} "
          f"({out.stat().st_size / 1e6:.0f} MB)")
    shutil.rmtree(staging)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "installer",
                        help="PyInstaller and staging work folder")
    parser.add_argument("--force", action="store_true", help="rebuild the bundle even if fresh")
    parser.add_argument("--bundle-only", action="store_true", help="stop after the bundle")
    parser.add_argument("--xz-level", type=int, default=1, choices=range(10), metavar="0-9",
                        help="xz compression level for the .deb (default 1: fast)")
    args = parser.parse_args(argv)
    if shutil.which("dpkg-deb") is None and not args.bundle_only:
        parser.error("dpkg-deb is needed to build the .deb (apt-get install dpkg)")
    args.dist.mkdir(parents=True, exist_ok=True)
    bundle = build_bundle(args.dist.resolve(), args.work.resolve(), args.force)
    if not args.bundle_only:
        build_deb(bundle, args.dist.resolve(), args.work.resolve(), args.xz_level)
    return 0


if __name__ == "__main__":
    sys.exit(main())
