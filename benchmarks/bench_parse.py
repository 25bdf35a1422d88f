"""Raw parse baseline: pyarrow.csv.read_csv (or read_table for Parquet) of every input file."""

from __future__ import annotations

import sys
from pathlib import Path


def main(directory: str) -> None:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    rows = 0
    for path in sorted(Path(directory).iterdir()):
        if path.suffix == ".csv":
            rows += pacsv.read_csv(path).num_rows
        elif path.suffix == ".parquet":
            rows += pq.read_table(path).num_rows
    print(f"rows {rows}")


if __name__ == "__main__":
    main(sys.argv[1])
