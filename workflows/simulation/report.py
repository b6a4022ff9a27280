"""What the simulation counted (模拟汇总), printed at the end: one line per figure, stable order."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Tally:
    """Counters by name: ``count("repayments", "late")`` adds one to ``repayments.late``."""

    figures: Counter = field(default_factory=Counter)
    timings: dict[str, float] = field(default_factory=dict)

    def count(self, *names: str, by: int = 1) -> None:
        self.figures[".".join(names)] += by

    def __getitem__(self, name: str) -> int:
        return self.figures[name]

    def total(self, prefix: str) -> int:
        return sum(v for k, v in self.figures.items() if k == prefix or k.startswith(prefix + "."))

    def lines(self) -> list[str]:
        return [f"{name}: {value}" for name, value in sorted(self.figures.items())]


def summary(tally: Tally, portfolio: dict[str, dict[str, str]], checks: list) -> str:
    """The printed summary: the counters, the portfolio at the end, each invariant and its verdict."""
    out = ["== simulated activity ==", *tally.lines(), "== portfolio at the end =="]
    for section, values in portfolio.items():
        out.append(f"{section}: " + ", ".join(f"{k}={v}" for k, v in values.items()))
    out.append("== invariants ==")
    out += [f"{'OK  ' if c.ok else 'FAIL'} {c.name}: {c.detail}" for c in checks]
    return "\n".join(out)
