"""Add or remove an extension in a running headless ``soffice``, over UNO.

Run by a Python that can ``import uno`` (imports nothing from leanxl)::

    python3 _extension_manager.py PIPE_NAME SOFFICE_PID add FILE.oxt MODULE SOURCE.bas
    python3 _extension_manager.py PIPE_NAME SOFFICE_PID remove IDENTIFIER MODULE

``unopkg`` does the same but refuses to run as root without ``--shared``; LibreOffice's
ExtensionManager, which ``unopkg`` drives, has no such rule.  Licences are accepted (the
extension has none); the Basic module ``MODULE`` (the forwarding functions) is put into, or
taken out of, the profile's ``Standard`` library; then LibreOffice is told to quit.  Prints
``ok`` or one error line.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time

import uno
import unohelper
from com.sun.star.task import XInteractionHandler
from com.sun.star.ucb import XCommandEnvironment, XProgressHandler


class _Environment(unohelper.Base, XCommandEnvironment, XInteractionHandler, XProgressHandler):
    """Says yes to every question (licence, replace an older version) and shows no progress."""

    def getInteractionHandler(self):  # noqa: N802
        return self

    def getProgressHandler(self):  # noqa: N802
        return self

    def handle(self, request):
        for continuation in request.getContinuations():
            if continuation.queryInterface(
                    uno.getTypeByName("com.sun.star.task.XInteractionApprove")):
                continuation.select()
                return

    def push(self, status):
        pass

    def update(self, status):
        pass

    def pop(self):
        pass


def _connect(pipe: str, soffice_pid: int):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + 120
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except Exception:
            try:
                os.kill(soffice_pid, 0)
            except OSError:
                raise RuntimeError("soffice stopped before it listened") from None
            if time.monotonic() > deadline:
                raise RuntimeError("soffice did not start in 120 s") from None
            time.sleep(0.1)


def _standard_library(ctx):
    libraries = ctx.ServiceManager.createInstanceWithContext(
        "com.sun.star.script.ApplicationScriptLibraryContainer", ctx)
    libraries.loadLibrary("Standard")
    return libraries, libraries.getByName("Standard")


def _put_module(ctx, module: str, source: str) -> None:
    with open(source, encoding="utf-8") as f:
        code = f.read()
    libraries, standard = _standard_library(ctx)
    if standard.hasByName(module):
        standard.replaceByName(module, code)
    else:
        standard.insertByName(module, code)
    libraries.storeLibraries()


def _drop_module(ctx, module: str) -> None:
    libraries, standard = _standard_library(ctx)
    if standard.hasByName(module):
        standard.removeByName(module)
        libraries.storeLibraries()


def main(pipe: str, soffice_pid: str, op: str, what: str, module: str,
         source: str = "") -> int:
    ctx = _connect(pipe, int(soffice_pid))
    manager = ctx.getValueByName("/singletons/com.sun.star.deployment.ExtensionManager")
    env = _Environment()
    try:
        if op == "add":
            manager.addExtension(uno.systemPathToFileUrl(what), (), "user", None, env)
            _put_module(ctx, module, source)
        else:
            installed = [e for e in manager.getDeployedExtensions("user", None, env)
                         if e.getIdentifier().Value == what]
            for extension in installed:
                manager.removeExtension(what, extension.getName(), "user", None, env)
            _drop_module(ctx, module)
        print("ok")
        return 0
    except Exception as exc:
        print(f"{type(exc).__name__}: {getattr(exc, 'Message', exc)}")
        return 1
    finally:
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        with contextlib.suppress(Exception):  # the bridge closes as soffice quits
            desktop.terminate()


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:7]))
