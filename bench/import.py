"""The household list import at scale: 50,000 rows as .xlsx and as CSV, each into a fresh SQLite file.

Generates the files in a temporary folder, imports each through the service (``check`` then the
all-or-nothing ``import_households``, one transaction) and prints the seconds for reading and
validating, for the whole import, and for a second import of the same file (all rows unchanged).
Target: under 60 s per import on SQLite.
Usage: .venv/bin/python bench/import.py [--rows 50000]
"""
from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository: tests/ is not installed

from models import Household, db  # noqa: E402
from webapp import create_app  # noqa: E402
from workflows import accounts, resident_id  # noqa: E402
from workflows.audit import Actor  # noqa: E402
from workflows.imports import households  # noqa: E402
from workflows.simulation import world as simulated_world  # noqa: E402

HEADER = ["身份证号", "户主姓名", "镇乡街道", "村社区", "类别", "是否出列", "出列原因"]
PLACES = [("汉丰街道", "东河村"), ("汉丰街道", "滨湖社区"), ("dade", "大德村"), ("大德镇", "dade_2"), ("赵家街道", "")]


def rows(total: int) -> list[list[str]]:
    out = []
    for i in range(total):
        township, village = PLACES[i % len(PLACES)]
        number = resident_id.compose("500234", date(1960, 1, 1) + timedelta(days=i // 1000), i % 1000)
        removed = i % 97 == 0
        out.append([number, f"户主{i}", township, village, "边缘易致贫户" if i % 5 == 4 else "脱贫户",
                    "是" if removed else "否", "因个人主观恶意调整出列" if removed else ""])
    return out


def write_files(folder: Path, data: list[list[str]]) -> dict[str, Path]:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("名单")
    sheet.append(HEADER)
    for row in data:
        sheet.append(row)
    xlsx = folder / "households.xlsx"
    workbook.save(xlsx)
    text = io.StringIO()
    csv.writer(text).writerows([HEADER, *data])
    gbk = folder / "households.csv"
    gbk.write_bytes(text.getvalue().encode("gbk"))
    return {"xlsx": xlsx, "csv (GBK)": gbk}


def run(path: Path, database: Path) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    with app.app_context():
        db.create_all()
        simulated_world.ensure_places()
        bureau = accounts.create_user("bureau", "Bench-2026!", ["rural_bureau"])
        db.session.commit()
        data, actor = path.read_bytes(), Actor(bureau, None, "127.0.0.1")
        started = time.perf_counter()
        report = households.check(data, path.name)
        checked = time.perf_counter()
        households.import_households(actor, data, path.name)
        imported = time.perf_counter()
        again = households.import_households(actor, data, path.name)
        second = time.perf_counter()
        total = db.session.query(Household).count()
        db.session.remove()
        db.engine.dispose()
    print(f"  {path.name}: {len(data) / 1e6:.1f} MB, {report.counts['rows']} rows, ok={report.ok}; "
          f"validation {checked - started:.1f} s; import (validation + write, one transaction) "
          f"{imported - checked:.1f} s; {total} households; re-import {second - imported:.1f} s "
          f"({again.counts.get('unchanged', 0)} unchanged)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        files = write_files(Path(folder), rows(args.rows))
        print(f"generated {args.rows} rows as .xlsx and GBK CSV in {time.perf_counter() - started:.1f} s")
        for i, (label, path) in enumerate(files.items()):
            print(label)
            run(path, Path(folder) / f"bench{i}.db")


if __name__ == "__main__":
    main()
