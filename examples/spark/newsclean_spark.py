"""Run a newsclean batch on Spark: the driver lists the inputs once, each task runs one shard.

    spark-submit examples/spark/newsclean_spark.py s3://bucket/dumps/ s3://bucket/clean/ 512

Every executor needs newsclean installed (the driver's version) and s3fs / gcsfs for object
stores. Each shard is one task: it reads its own inputs and commits its own parts under its own
attempt id, so Spark only schedules shards; a failed or speculative task that runs again never
mixes with another attempt (the first commit marker wins). Run it again to finish shards that
did not commit: done ones are skipped. The exit status is read back from OUT's markers.
"""

from __future__ import annotations

import sys

from pyspark.sql import SparkSession

from newsclean import batch


def main(source: str, out: str, shards: int) -> None:
    # The manifest, listed once, by the driver (or checked against the inputs when resuming).
    store, _ = batch.prepare([source], out, shards, resume=True)
    out = store.url  # absolute: executors run elsewhere
    todo = batch.pending(out)
    spark = SparkSession.builder.appName("newsclean").getOrCreate()
    if todo:
        spark.sparkContext.parallelize(todo, len(todo)).foreach(
            lambda shard: batch.run_shard(out, shard)
        )
    spark.stop()
    found = batch.status(out)
    totals = found.totals
    print(
        f"{totals.done}/{totals.shards} shards done, {totals.files} inputs, "
        f"{totals.records} records, {totals.errors} rejected"
    )
    sys.exit(0 if found.complete else 69)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
