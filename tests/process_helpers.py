"""The processes a test started, read from /proc: for fault tests that signal only their own."""

from __future__ import annotations

import os
from pathlib import Path


def gone(pid: int) -> bool:
    """The process ended (or is a zombie nobody has reaped yet)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def descendants(root: int) -> set[int]:
    """Every process whose parent chain leads to ``root``."""
    parent: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    parent[int(entry)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
    out: set[int] = set()
    todo = [root]
    while todo:
        p = todo.pop()
        for child, ppid in parent.items():
            if ppid == p and child not in out:
                out.add(child)
                todo.append(child)
    return out


def recorded(tmp_path: Path) -> list[tuple[int, ...]]:
    """The engines' pids leanxl appended to ``$LEANXL_ENGINE_PIDS`` (``tmp_path / "pids"``)."""
    try:
        lines = (tmp_path / "pids").read_text().splitlines()
    except FileNotFoundError:
        return []
    return [tuple(int(p) for p in line.split()) for line in lines if line.strip()]
