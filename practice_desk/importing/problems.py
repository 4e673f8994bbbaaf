"""What an import tells the user when it cannot go on."""

from __future__ import annotations

from dataclasses import dataclass

MAX_PROBLEMS = 20  # rows reported before an import stops looking for more


@dataclass(frozen=True)
class ImportProblem:
    file: str
    line: int | None
    problem: str

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}" if self.line else self.file
        return f"{where}: {self.problem}"


class ImportFailed(Exception):
    """The import was rolled back; `problems` names each file, line and problem."""

    def __init__(self, problems: list[ImportProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class ImportCancelled(Exception):
    """The user cancelled; everything was rolled back."""
