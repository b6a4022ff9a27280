"""The stored instance state: bytes and milliseconds per dictionary version and zstd level.

Drives ``--loans`` loans through every stage on a scratch SQLite database (each loan's state before
each step, after disbursement and after its first post-loan visit timer fired) and prints, per
shipped dictionary and per level, the median stored bytes of a disbursed loan's state, of all states,
and the milliseconds to compress and to decompress one. The level and dictionary the code uses are
``workflows.state_codec.ZSTD_LEVEL`` and ``DICTIONARY_VERSION``.

``--write-dictionary FILE`` also writes a new dictionary's content: the JSON of three states of one
loan (in the middle of its application, after its first visit, and last, nearest to what it matches
best, after disbursement) with their task ids renumbered under a zero prefix and the resident ID
replaced (no person's data in a shipped file). A new dictionary is added as the next ``state_dictionary_<n>.json``, never written over
one that states already name.
Usage: .venv/bin/python bench/state_codec.py [--loans 5] [--write-dictionary FILE]
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository: tests/ is not installed

import sqlalchemy as sa  # noqa: E402
import zstandard  # noqa: E402

from bench.scratch import scratch_world  # noqa: E402
from models import Loan, ProcessInstance, db  # noqa: E402
from tests.factories import STEPS, drive, make_household, register  # noqa: E402
from tests.factories_postloan import at, disbursed, sweep  # noqa: E402
from workflows import clock, state_codec  # noqa: E402

LEVELS = (3, 5, 7, 9, 12)
TASK_ID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
RESIDENT_ID = re.compile(rb'"id_number": "\d{17}[\dX]"')


def _state(loan_id: int) -> bytes:
    db.session.expire_all()
    return db.session.scalars(sa.select(ProcessInstance.state).filter_by(loan_id=loan_id)).one()


def stage_states(world, loans: int) -> tuple[list[bytes], list[bytes], list[bytes]]:
    """(every state of every loan's stages, the disbursed loans' states, the visited loans'), as JSON."""
    every, disbursed_states = [], []
    for n in range(loans):
        with clock.frozen(at(date(2025, 1, 10))):
            loan = register(world, make_household())
            for following in (*STEPS[1:], "end"):
                every.append(_state(loan.id))
                drive(world, loan.id, following)
            disbursed_states.append(_state(loan.id))
    visited = [disbursed(world, on=date(2025, 1, 10), household=make_household()).id for _ in range(loans)]
    sweep(date(2025, 4, 11))
    visited_states = [_state(loan_id) for loan_id in visited]
    every += disbursed_states + visited_states
    return ([state_codec.decompress(s) for s in every], [state_codec.decompress(s) for s in disbursed_states],
            [state_codec.decompress(s) for s in visited_states])


def measure(texts: list[bytes], version: int, level: int) -> tuple[float, float, float]:
    """(median stored bytes, median ms to compress, median ms to decompress) with that dictionary and level."""
    content = (state_codec.DICTIONARY_DIR / f"state_dictionary_{version}.json").read_bytes()
    prepared = zstandard.ZstdCompressionDict(content, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
    prepared.precompute_compress(level=level)
    compressor = zstandard.ZstdCompressor(level=level, dict_data=prepared, write_checksum=True, write_dict_id=False)
    decompressor = zstandard.ZstdDecompressor(dict_data=prepared)
    sizes, packing, unpacking = [], [], []
    for text in texts:
        began = time.perf_counter()
        frame = compressor.compress(text)
        packing.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        decompressor.decompress(frame)
        unpacking.append((time.perf_counter() - began) * 1000)
        sizes.append(len(frame) + 2)  # the mark and the version byte
    return statistics.median(sizes), statistics.median(packing), statistics.median(unpacking)


def dictionary_content(texts: list[bytes]) -> bytes:
    """States' JSON fit to ship, one per line: task ids renumbered under a zero prefix, the resident ID replaced."""
    numbers: dict[bytes, bytes] = {}

    def renumber(match: re.Match) -> bytes:
        return numbers.setdefault(match.group(0), str(UUID(int=(0x8 << 76) | (0b10 << 62) | len(numbers) + 1)).encode())

    return b"\n".join(RESIDENT_ID.sub(b'"id_number": "110101199001010000"', TASK_ID.sub(renumber, text))
                      for text in texts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loans", type=int, default=5)
    parser.add_argument("--write-dictionary", type=Path, default=None)
    args = parser.parse_args()
    with scratch_world() as (_, world):
        every, disbursed_states, visited_states = stage_states(world, args.loans)
        loan_count = db.session.scalar(sa.select(sa.func.count()).select_from(Loan))
    print(f"{len(every)} states of {loan_count} loans; a disbursed loan's state is "
          f"{statistics.median(len(t) for t in disbursed_states):,.0f} bytes of JSON")
    versions = sorted(int(p.stem.rsplit("_", 1)[1]) for p in state_codec.DICTIONARY_DIR.glob("state_dictionary_*.json"))
    for version in versions:
        for level in LEVELS:
            disbursed_size = measure(disbursed_states, version, level)[0]
            size, pack, unpack = measure(every, version, level)
            used = " (in use)" if (version, level) == (state_codec.DICTIONARY_VERSION, state_codec.ZSTD_LEVEL) else ""
            print(f"dictionary {version}, level {level:>2}: disbursed {disbursed_size:6,.0f} bytes, every stage median "
                  f"{size:6,.0f} bytes; compress {pack:.3f} ms, decompress {unpack:.3f} ms{used}")
    if args.write_dictionary:
        in_application = every[len(STEPS) // 2]
        args.write_dictionary.write_bytes(dictionary_content([in_application, visited_states[0], disbursed_states[0]]))
        print(f"wrote {args.write_dictionary} ({args.write_dictionary.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
