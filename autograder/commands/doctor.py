"""``autograder doctor``: what this host offers the sandbox, the tier chosen, what it stops.

Imported when the command runs: the sandbox imports numpy, which ``--help`` should not
pay for.
"""

from __future__ import annotations

import argparse

from rich import box
from rich.console import Console
from rich.table import Table

from autograder.core.config import KIT_ROOT, list_assignments, load_assignment
from autograder.sandbox.host import (
    NOT_PROTECTED,
    SandboxUnavailable,
    describe_tier,
    open_host,
    stops,
)
from autograder.sandbox.policy import hidden_folders


def cmd_doctor(args: argparse.Namespace, console: Console) -> int:
    """What this host offers the sandbox, the tier chosen, and what it stops."""
    hidden = [load_assignment(f).hidden for f in list_assignments()]  # what grade protects
    try:
        host_ = open_host(hidden_folders(KIT_ROOT, KIT_ROOT, []), args.sandbox,
                          allow_process=True, secrets=hidden)
    except SandboxUnavailable as err:
        console.print(f"No sandbox tier works here: {err}", style="red", markup=False)
        return 1
    host_.close()
    host = host_.host
    table = Table(title="Isolation mechanisms, each tried for real", box=box.SIMPLE_HEAD)
    for column in ("mechanism", "result", "detail"):
        table.add_column(column)
    for name, entry in host.get("mechanisms", {}).items():
        table.add_row(name, "[green]works[/]" if entry["ok"] else "[red]no[/]", entry["detail"])
    if host.get("mechanisms"):
        console.print(table)
    console.print(f"Tier: [bold]{describe_tier(host)}[/], its canary passed.")
    for tier, why in host.get("why_not", {}).items():
        console.print(f"  not {tier}: {why}", markup=False)
    for why in host.get("tried", []):
        console.print(f"  tried first, failed: {why}", markup=False)
    stopped = Table(title=f"What a submission cannot do on the {host['tier']} tier",
                    box=box.SIMPLE_HEAD)
    stopped.add_column("attack")
    stopped.add_column("stopped")
    for attack, ok in stops(host):
        stopped.add_row(attack, "[green]yes[/]" if ok else "[red]no[/]")
    console.print(stopped)
    if host["tier"] == "process":
        console.print(f"[yellow]Process only: {NOT_PROTECTED}. Fine for `check`; `grade` "
                      "refuses it unless given --sandbox process.[/]")
    return 0
