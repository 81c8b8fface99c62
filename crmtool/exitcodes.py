"""Exit codes are a public contract (docs/cli.md): scripts and cron jobs branch on them."""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    GATE_FAILED = 1
    USAGE = 2
    INPUT_UNREADABLE = 3
    TARGET_FAILED = 4
    INTERNAL = 70
    """A bug in crmtool itself (sysexits EX_SOFTWARE); the message asks for --debug."""
