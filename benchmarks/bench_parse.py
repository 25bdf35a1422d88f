"""Raw parse baseline: pyarrow.csv.read_csv (or read_table for Parquet) of every input file.

``--stream`` parses CSV batch by batch with ``pyarrow.csv.open_csv`` and keeps nothing: the
same parsing work in bounded memory, for inputs whose parsed tables do not fit in RAM.
"""

from __future__ import annotations

import sys
from pathlib import Path


def _types(path: Path) -> object:
    """Column types inferred on the first 32 MiB, as ``read_csv`` would infer them on the
    whole file (a column empty in the first rows becomes text, not null)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    with path.open("rb") as f:
        head = f.read(1 << 25)
    schema = pacsv.read_csv(pa.py_buffer(head[: head.rfind(b"\n") + 1])).schema
    types = {f.name: (pa.string() if pa.types.is_null(f.type) else f.type) for f in schema}
    return pacsv.ConvertOptions(column_types=types)


def main(directory: str, stream: bool) -> None:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    rows = 0
    for path in sorted(Path(directory).iterdir()):
        if path.suffix == ".csv" and stream:
            with pacsv.open_csv(path, convert_options=_types(path)) as reader:
                for batch in reader:
                    rows += batch.num_rows
        elif path.suffix == ".csv":
            rows += pacsv.read_csv(path).num_rows
        elif path.suffix == ".parquet":
            rows += pq.read_table(path).num_rows
    print(f"rows {rows}")


if __name__ == "__main__":
    main(sys.argv[1], "--stream" in sys.argv[2:])
