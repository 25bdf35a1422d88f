"""Copy a generated dataset to Parquet with typed columns: money as decimal(18, 2), times as
timestamp[us] (``mlm-audit generate --format parquet`` writes every column as text, which
the Spark engine does not read as money). Streams row group by row group.

    python benchmarks/typed_parquet.py SRC_DIR DST_DIR
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

MONEY = {"amount", "returned_amount", "fees_paid"}
TIMES = {"joined_at", "terminated_at", "ordered_at", "paid_at"}


def convert(src: Path, dst: Path) -> int:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    money, ts = pa.decimal128(18, 2), pa.timestamp("us")
    f = pq.ParquetFile(src)
    fields = [pa.field(x.name, money if x.name in MONEY else ts if x.name in TIMES
                       else pa.string()) for x in f.schema_arrow]
    schema = pa.schema(fields)
    rows = 0
    with pq.ParquetWriter(dst, schema, compression="zstd") as w:
        for batch in f.iter_batches(batch_size=1 << 20):
            cols = []
            for field in fields:
                c = batch.column(field.name)
                if field.name in TIMES:
                    c = pc.strptime(c, format="%Y-%m-%d %H:%M:%S", unit="us")
                cols.append(c.cast(field.type))
            w.write_table(pa.Table.from_arrays(cols, schema=schema), row_group_size=1 << 20)
            rows += batch.num_rows
    return rows


def main(src: Path, dst: Path) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    for p in sorted(src.iterdir()):
        t0 = time.perf_counter()
        if p.suffix == ".parquet":
            rows = convert(p, dst / p.name)
            print(f"{p.name}: {rows} rows in {time.perf_counter() - t0:.1f} s", flush=True)
        elif p.is_file():
            shutil.copy2(p, dst / p.name)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
