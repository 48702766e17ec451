"""``grade --cluster TARGET``: the option that grades on a Dask cluster (see ``course`` for the
run's side, ``grading.cluster`` for the workers')."""

from __future__ import annotations

import argparse

from ..grading.connect import TARGETS


def add_cluster_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cluster", default=None, metavar="TARGET",
        help=f"grade on a Dask cluster instead of here: {TARGETS} (through dask-jobqueue, as "
        "Dask's configuration says). Needs pip install -e \".[cluster]\" (\".[hpc]\" for the "
        "batch systems); see the README, 'Grading on a cluster'",
    )
