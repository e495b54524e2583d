"""`--summary-json FILE`: a run's summary as one JSON object, for monitoring; written at the end
of the run as its target says (`io.outputs`: a file atomically, a FIFO into it), also when the
run fails (then `status` and `error` say how, and `committed` whether its outputs are in place).

    {"version": "1.4.0", "status": 0, "error": null, "committed": true, "inputs": 120,
     "records": 118, "records_parsed": 118, "duplicates_skipped": 0, "records_with_warnings": 3,
     "rejected": {"empty": 2}, "warnings": {"not_utf8": 3}, "unchanged_skipped": 0,
     "settling": 0, "bytes": 512000, "seconds": 0.41,
     "output": "/srv/out/2016-10-25.jsonl", "errors_output": null}
"""

from __future__ import annotations

import os
from typing import Any

import newsclean

from ..io.outputs import RECORDS, REJECTIONS, RunOutputs
from .outcome import Tally
from .scheduler import default_jobs
from .settings import ParseOptions

FIELDS = {
    "version": "the newsclean that ran",
    "status": "the exit status (0, 1, 2, 74, 75, 130, 143...)",
    "error": "why the run failed (one line), or null",
    "committed": "whether the outputs are in place (files renamed; stdout flushed to the end)",
    "inputs": "inputs parsed (or rejected)",
    "records": "records in the output: for a file, 0 unless committed",
    "records_parsed": "records parsed, written or not (duplicates and uncommitted ones too)",
    "duplicates_skipped": "with --dedupe: records whose article was written before, left out",
    "records_with_warnings": "records with at least one warning",
    "rejected": "rejected inputs by code",
    "warnings": "warnings by code (a record may have several)",
    "unchanged_skipped": "with --state: inputs known unchanged, not read",
    "settling": "with --min-age: inputs modified too recently, left for the next run",
    "bytes": "bytes read (decompressed)",
    "seconds": "the run's time",
    "jobs": "worker processes asked for (-j; one per CPU when not given)",
    "output": "the -o file (absolute), or null for stdout (and with --skip-empty, none made)",
    "errors_output": "the --errors file (absolute), or null (and with --skip-empty, none made)",
}


def summary(
    options: ParseOptions, tally: Tally, status: int, error: str | None, outputs: RunOutputs
) -> dict[str, Any]:
    def absolute(path: str | None) -> str | None:
        return None if path in (None, "-") else os.path.abspath(path)

    to_file = RECORDS in outputs.files
    return {
        "version": newsclean.__version__, "status": status, "error": error,
        "committed": outputs.committed, "inputs": tally.inputs,
        "records": tally.records if outputs.committed or not to_file else 0,
        "records_parsed": tally.records + tally.duplicates,
        "duplicates_skipped": tally.duplicates, "records_with_warnings": tally.warned,
        "rejected": dict(sorted(tally.rejected.items())),
        "warnings": dict(sorted(tally.warnings.items())),
        "unchanged_skipped": tally.skipped, "settling": tally.settling, "bytes": tally.size,
        "seconds": round(tally.elapsed, 3), "jobs": options.jobs or default_jobs(),
        "output": None if RECORDS in outputs.skipped else absolute(options.outputs.output),
        "errors_output": None if REJECTIONS in outputs.skipped else absolute(options.outputs.errors),
    }  # fmt: skip
