"""How long a student waits on a self-check.

    python bench/self_check.py [NOTEBOOK] [--repeat N]

Times, on this machine: `grade check NOTEBOOK` as a student runs it (a fresh process: imports,
kernel start, running the notebook, checking), and the in-notebook `check()` call in a kernel
where the notebook has already run (first call, which loads the stored outputs, and a repeat).
The default notebook is the solved one.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
TIMED_CALL = (
    "import time as _t\n"
    "_started = _t.perf_counter()\n"
    "from grader import check\n"
    "check();\n"
    "print('SECONDS', _t.perf_counter() - _started)"
)


def time_grade_check(notebook: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "grader", "check", str(notebook)],
                   capture_output=True, check=False)
    return time.perf_counter() - started


def time_in_notebook_calls(notebook: Path, calls: int) -> list[float]:
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.extend(nbformat.v4.new_code_cell(TIMED_CALL) for _ in range(calls))
    with tempfile.TemporaryDirectory() as folder:
        for data in (ROOT / "assignments" / "convolutions").glob("*.jpg"):
            (Path(folder) / data.name).write_bytes(data.read_bytes())
        NotebookClient(nb, kernel_name="python3", timeout=600, allow_errors=True,
                       resources={"metadata": {"path": folder}}).execute()
    seconds = []
    for cell in nb.cells[-calls:]:
        text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        seconds.append(float(text.split("SECONDS")[1].split()[0]))
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebook", nargs="?", type=Path,
                        default=ROOT / "solutions" / "convolutions-solved.ipynb")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement")
    arguments = parser.parse_args()
    whole = [time_grade_check(arguments.notebook) for _ in range(arguments.repeat)]
    calls = time_in_notebook_calls(arguments.notebook, arguments.repeat)
    print(f"notebook: {arguments.notebook}")
    print(f"grade check (whole notebook, fresh process): median {statistics.median(whole):.2f} s "
          f"over {len(whole)} runs: {', '.join(f'{s:.2f}' for s in whole)}")
    print(f"in-notebook check(), first call: {calls[0]:.2f} s")
    if len(calls) > 1:
        print(f"in-notebook check(), later calls: median {statistics.median(calls[1:]):.2f} s")


if __name__ == "__main__":
    main()
