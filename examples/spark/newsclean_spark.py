"""Run a newsclean batch on Spark: the driver lists the inputs once, each task runs one shard.

    spark-submit examples/spark/newsclean_spark.py s3://bucket/dumps/ s3://bucket/clean/ 512

Every executor needs newsclean installed (and s3fs / gcsfs for object stores). Each shard is one
task: it reads its own files and writes its own parts and commit marker, so Spark only schedules
shards; a failed or speculative task that runs again overwrites its parts, never duplicates
them. Run it again to finish shards that did not commit: done ones are skipped.
"""

from __future__ import annotations

import sys

from pyspark.sql import SparkSession

from newsclean import batch


def main(source: str, out: str, shards: int) -> None:
    batch.prepare([source], out, shards, resume=True)  # the manifest, listed once, by the driver
    todo = batch.pending(out)
    spark = SparkSession.builder.appName("newsclean").getOrCreate()
    if todo:
        spark.sparkContext.parallelize(todo, len(todo)).foreach(
            lambda shard: batch.run_shard(out, shard)
        )
    spark.stop()
    found, states = batch.totals(out)
    print(
        f"{found.done}/{found.shards} shards done, {found.files} inputs, {found.records} records, {found.errors} rejected"
    )
    sys.exit(0 if not states["missing"] else 1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
