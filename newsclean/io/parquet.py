"""Parquet output: records as typed columns, written a row group at a time.

`-o FILE.parquet` and `batch --format parquet` write through `ParquetStream`, which takes the
JSON lines a run writes anyway and turns each row group's worth into Arrow with `arrow_schema`,
the record's JSON Schema as Arrow types: `published` a timestamp without a zone,
`published_utc` one in UTC, `related` a list of structs, `source` and `payload` structs. The
file is whole only once closed (its footer), so it is written where the run's other outputs are:
to a temporary name, put in place at the commit. pyarrow is an optional extra, imported only
here and only when Parquet is asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, BinaryIO

from ..core.record import CONTRACT_VERSION
from ..exits import OutputError, UsageError

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.parquet as pq

ROW_GROUP_BYTES = 4 * 1024 * 1024  # of JSON lines: what is held before a row group is written
NEEDS_PYARROW = "writing Parquet needs pyarrow: pip install 'newsclean[parquet]'"


def is_parquet(path: str) -> bool:
    return path.lower().endswith(".parquet")


def _pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401  (costly: imported only when Parquet is written)
    except ImportError:
        raise UsageError(NEEDS_PYARROW) from None


def arrow_schema() -> pa.Schema:
    """The record's JSON Schema (`newsclean schema`) as an Arrow schema, field for field."""
    _pyarrow()
    import pyarrow as pa

    text, integer = pa.string(), pa.int64()
    item = pa.struct(
        [("id", integer), ("sort", integer), ("contenttypeid", integer), ("pic", text),
         ("media", text), ("title", text)]
    )  # fmt: skip
    payload = pa.struct(
        [("kind", text), ("declared", integer), ("actual", integer), ("ok", pa.bool_()),
         ("printer", text)]
    )  # fmt: skip
    source = pa.struct([("path", text), ("index", integer), ("offset", integer), ("sha256", text)])
    fields = [
        pa.field("source", source, nullable=False),
        pa.field("headline", text, nullable=False),
        pa.field("dateline", text),
        pa.field("published", pa.timestamp("s")),
        pa.field("published_utc", pa.timestamp("s", tz="UTC")),
        pa.field("published_precision", text),
        pa.field("body", pa.list_(text), nullable=False),
        pa.field("related", pa.list_(item)),
        pa.field("payload", payload),
        pa.field("warnings", pa.list_(text), nullable=False),
    ]
    return pa.schema(fields, metadata={"newsclean.contract": CONTRACT_VERSION})


class ParquetStream:
    """A binary stream that takes JSON lines of records and writes them to `raw` as Parquet, a
    row group each ROW_GROUP_BYTES of lines. `close` writes the rest and the footer; `raw` stays
    open, as a compressor leaves it."""

    def __init__(self, raw: BinaryIO) -> None:
        self.schema = arrow_schema()  # first: without pyarrow, the one line naming the extra
        import pyarrow as pa
        import pyarrow.parquet as pq

        # malloc's own pool, given back as row groups go: Arrow's default (mimalloc) kept
        # 44 MB more at the peak of 50,000 dumps (BENCHMARKS.md)
        self.pool = pa.system_memory_pool()
        self.writer: pq.ParquetWriter = pq.ParquetWriter(
            raw, self.schema, compression="zstd", memory_pool=self.pool
        )
        self.pending = bytearray()

    def write(self, data: bytes | memoryview) -> int:
        self.pending += data
        if len(self.pending) >= ROW_GROUP_BYTES:
            self._write_lines()
        return len(data)

    def flush(self) -> None:
        """Nothing: a row group is written when it is full, and the file is whole at `close`."""

    def close(self) -> None:
        self._write_lines(everything=True)
        self.writer.close()

    def _write_lines(self, everything: bool = False) -> None:
        end = len(self.pending) if everything else self.pending.rfind(b"\n") + 1
        if end <= 0:
            return
        # the lines as they are (no copy), and a new buffer for the part of a line after them
        lines, self.pending = self.pending, self.pending[end:]
        del lines[end:]
        import pyarrow as pa

        try:
            self.writer.write_table(self._table(lines), row_group_size=None)
        except pa.ArrowException as error:  # a record that does not follow the schema: a bug
            raise OutputError(f"cannot write Parquet: {error}") from None

    def _table(self, lines: bytearray) -> pa.Table:
        import pyarrow as pa
        import pyarrow.json as pj

        options = pj.ParseOptions(explicit_schema=self.schema, unexpected_field_behavior="error")
        # one block: a record longer than the reader's block would fail as "straddling"
        reading = pj.ReadOptions(block_size=max(len(lines), 1 << 20))
        source = pa.BufferReader(pa.py_buffer(lines))
        table = pj.read_json(
            source, read_options=reading, parse_options=options, memory_pool=self.pool
        )
        return table.cast(self.schema)  # the reader leaves out which fields are never null
