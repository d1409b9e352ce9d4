"""``leanxl libreoffice install|uninstall``: the Calc extension in a LibreOffice user profile.

Installing starts a private headless ``soffice`` on the profile and asks its ExtensionManager
(the service ``unopkg`` drives) to add the extension: ``unopkg`` itself refuses to run as
root without ``--shared``, and the UNO route works for every user.  The same session puts the
Basic forwarding functions (:func:`.extension.basic_module`) into the profile's ``Standard``
library, the only application library whose functions Calc cells can run.  LibreOffice must not be
running on that profile meanwhile (its lock file says so).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import uuid
from pathlib import Path

from leanxl.calc.extension import basic_module, build_extension
from leanxl.calc.names import BASIC_MODULE, EXTENSION_ID
from leanxl.errors import LeanxlError
from leanxl.office import find_soffice, find_uno_python

_MANAGER = Path(__file__).with_name("_extension_manager.py")


class InstallError(LeanxlError):
    """The extension could not be added to, or removed from, LibreOffice."""


def default_profile() -> Path:
    """The profile LibreOffice uses when none is given (``.../LibreOffice/4`` per platform)."""
    home = Path.home()
    if os.name == "nt":
        return Path(os.environ.get("APPDATA", home)) / "LibreOffice" / "4"
    if os.uname().sysname == "Darwin":
        return home / "Library" / "Application Support" / "LibreOffice" / "4"
    config = Path(os.environ.get("XDG_CONFIG_HOME", home / ".config"))
    return config / "libreoffice" / "4"


def _run(op: str, what: str, profile: Path, source: str = "") -> None:
    soffice, python = find_soffice(), find_uno_python()
    if soffice is None or python is None:
        raise InstallError("LibreOffice (soffice) or a Python with its uno module is missing",
                           suggestion="apt-get install libreoffice-calc-nogui python3-uno "
                           "python3-numpy")
    if (profile / ".lock").exists():
        raise InstallError(f"LibreOffice is running on the profile {profile}",
                           suggestion="close LibreOffice and run the command again")
    pipe = f"leanxl-ext-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    office = subprocess.Popen(
        [soffice, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless",
         "--invisible", "--nologo", "--norestore", "--nodefault",
         f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    try:
        done = subprocess.run(
            [python, str(_MANAGER), pipe, str(office.pid), op, what, BASIC_MODULE, source],
            capture_output=True, text=True, timeout=300)
    finally:
        try:  # the manager tells soffice to quit; if it could not, stop it here
            office.wait(timeout=60 if "done" in locals() and done.stdout.strip() else 5)
        except subprocess.TimeoutExpired:
            office.kill()  # our own soffice, by its pid
            office.wait()
    if done.returncode != 0 or done.stdout.strip() != "ok":
        reason = (done.stdout.strip() or done.stderr.strip().splitlines()[-1:] or ["?"])
        raise InstallError(f"LibreOffice could not {op} the extension: "
                           f"{reason if isinstance(reason, str) else reason[0]}")


def install(profile: str | os.PathLike[str] | None = None) -> Path:
    """Build the extension and add it to ``profile`` (default: the user's own profile).

    Parameters
    ----------
    profile:
        A LibreOffice user profile folder (``-env:UserInstallation``); created if missing.

    Returns
    -------
    Path
        The profile it was installed into.
    """
    where = Path(profile) if profile is not None else default_profile()
    where.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="leanxl-oxt-") as tmp:
        oxt = build_extension(Path(tmp) / "leanxl-calc.oxt")
        source = Path(tmp) / f"{BASIC_MODULE}.bas"
        source.write_text(basic_module(), encoding="utf-8")
        _run("add", str(oxt), where, str(source))
    return where


def uninstall(profile: str | os.PathLike[str] | None = None) -> Path:
    """Remove the extension from ``profile`` (default: the user's own profile)."""
    where = Path(profile) if profile is not None else default_profile()
    if not where.is_dir():
        raise InstallError(f"no LibreOffice profile at {where}",
                           suggestion="give the profile folder with --profile DIR")
    _run("remove", EXTENSION_ID, where)
    return where
