"""The kernel sandbox: what it is built from, how a machine that cannot run it is told what to
do, and what a kernel inside it can and cannot do (as root, in the root sandbox; as any other
user, in the rootless one)."""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

from grader.cli.options import add_settings_options, settings_from
from grader.grading.pipeline import kept_from_kernels
from grader.kernel import probe, unprivileged
from grader.kernel import sandbox as sandbox_module
from grader.kernel.limits import Limits
from grader.kernel.probe import Availability
from grader.kernel.run import TRUNCATED, NotebookRun
from grader.kernel.sandbox import Sandbox, check_mode, make_sandbox
from grader.model.errors import UsageError
from grader.model.settings import Settings
from grader.output.lines import sandbox_line

from conftest import ROOT, needs_sandbox
from processes import process_table


def options(arguments: list[str], flag: str) -> list[tuple[str, ...]]:
    """The values that follow each use of ``flag`` in a command line."""
    width = {"--ro-bind": 2, "--bind": 2, "--tmpfs": 1, "--dir": 1}[flag]
    return [
        tuple(arguments[index + 1 : index + 1 + width])
        for index, argument in enumerate(arguments)
        if argument == flag
    ]


def test_the_command_shows_the_kernel_only_what_it_needs(tmp_path):
    environment = tmp_path / "env"
    hidden = environment / "site-packages" / "solutions"
    hidden.mkdir(parents=True)
    workdir = tmp_path / "work"
    workdir.mkdir()
    sandbox = Sandbox(readable=(environment,), hidden=(hidden, tmp_path / "elsewhere"),
                      process_limit=99, uid=1_234_567)

    command = sandbox.command(["python", "-m", "ipykernel_launcher"], workdir)

    assert (str(environment), str(environment)) in options(command, "--ro-bind")
    assert options(command, "--bind") == [(str(workdir), str(workdir))]  # the only writable one
    assert (str(hidden),) in options(command, "--tmpfs")  # covered, since it lies inside env
    assert command[command.index(str(hidden)) + 1 : command.index(str(hidden)) + 3] == [
        "--remount-ro", str(hidden)]  # and what covers it takes no files
    assert (str(tmp_path / "elsewhere"),) not in options(command, "--tmpfs")  # not there at all
    assert {"--unshare-net", "--unshare-pid", "--die-with-parent"} <= set(command)
    assert "--unshare-user" not in command  # the user changes for real, so the limit binds
    assert "--reuid=1234567" in command and "--nproc=99" in command
    assert command[-3:] == ["python", "-m", "ipykernel_launcher"]
    # The folders on the way are made open to all, or a private one would bar the kernel.
    assert (str(tmp_path),) in options(command, "--dir")


def test_no_kernel_may_read_a_lesson_folder_or_the_reference(assignment):
    """Every lesson folder (with its expected.npz) and every solutions folder is kept from
    graded kernels: not bound, and covered over where it lies inside what is (site-packages)."""
    kept = kept_from_kernels(assignment)
    assert {ROOT / "assignments", ROOT / "solutions"} <= set(kept)
    # As if the whole checkout were one readable Python folder, as site-packages is for an install.
    sandbox = Sandbox(readable=(ROOT,), hidden=tuple(kept), process_limit=None)
    covered = options(sandbox.command(["python"], ROOT / "work"), "--tmpfs")
    assert {(str(ROOT / "assignments"),), (str(ROOT / "solutions"),)} <= set(covered)

def test_the_rootless_command_makes_a_user_namespace_and_limits_processes_inside_it(tmp_path):
    sandbox = Sandbox(readable=(tmp_path / "env",), hidden=(), process_limit=99, kind="rootless")
    workdir = tmp_path / "work"

    command = sandbox.command(["python", "-m", "ipykernel_launcher"], workdir)

    assert command[:2] == ["bwrap", "--unshare-user"]
    assert "--cap-add" not in command and "setpriv" not in command  # no user to change to
    # Set inside the user namespace, where it counts that namespace's processes alone.
    end = command.index("--", command.index("--clearenv"))
    assert command[end:] == ["--", "prlimit", "--nproc=99", "--", "python", "-m",
                             "ipykernel_launcher"]
    # The new root and /dev are made read-only after everything is mounted on them.
    last_mount = max(index for index, argument in enumerate(command) if argument == "--bind")
    assert command.index("--remount-ro") > last_mount
    unlimited = Sandbox(readable=(), hidden=(), process_limit=None, kind="rootless")
    assert "prlimit" not in unlimited.command(["python"], workdir)


def refused(monkeypatch, found: Availability) -> str:
    monkeypatch.setattr(sandbox_module, "availability", lambda: found)
    with pytest.raises(UsageError) as error:
        check_mode("on")
    return str(error.value)


def test_modes_are_checked_before_anything_is_graded(monkeypatch):
    with pytest.raises(UsageError, match="--sandbox must be one of"):
        check_mode("sometimes")
    assert make_sandbox("off", 10, [], []) is None
    missing = Availability(None, "`bwrap` is not installed", "sudo apt-get install bubblewrap")
    assert refused(monkeypatch, missing) == ("--sandbox on, but `bwrap` is not installed. To fix "
                                             "this, run: sudo apt-get install bubblewrap")
    monkeypatch.setattr(sandbox_module.os, "geteuid", lambda: 1000)
    assert make_sandbox("auto", 10, [], []) is None  # auto goes on without it (as root: see below)
    found = Availability("rootless", process_limit=False)
    monkeypatch.setattr(sandbox_module, "availability", lambda: found)
    assert make_sandbox("auto", 10, [], []).process_limit is None  # it would not bind


def test_sandbox_off_never_tries_bwrap(monkeypatch):
    def probe_for_bwrap():
        raise AssertionError("--sandbox off started a bwrap trial")

    monkeypatch.setattr(sandbox_module, "availability", probe_for_bwrap)
    check_mode("off")
    assert make_sandbox("off", 10, [], []) is None


def test_apparmor_restriction_is_named_with_the_command_that_lifts_it():
    settings = {"kernel.apparmor_restrict_unprivileged_userns": "1"}
    found = probe.failure("rootless", "bwrap: setting up uid map: Permission denied",
                          settings.get)
    assert found.reason == (
        "AppArmor does not let unprivileged users make user namespaces here, as on Ubuntu "
        "24.04 (kernel.apparmor_restrict_unprivileged_userns=1; bwrap: setting up uid map: "
        "Permission denied)")
    assert found.fix == "sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0"


def test_user_namespaces_turned_off_are_named_with_the_command_that_turns_them_on():
    found = probe.failure("rootless", "bwrap: No permissions to creating new namespace",
                          {"user.max_user_namespaces": "0"}.get)
    assert found.fix == "sudo sysctl -w user.max_user_namespaces=15000"
    found = probe.failure("rootless", "bwrap: Creating new namespace failed", {}.get)
    assert (found.reason, found.fix) == (
        "bwrap cannot make a user namespace here: bwrap: Creating new namespace failed", "")


def test_the_process_limit_binds_without_root_from_linux_5_14():
    assert probe.limits_processes("rootless", "6.8.0-51-generic")
    assert probe.limits_processes("rootless", "5.14.0-1-amd64")
    assert not probe.limits_processes("rootless", "5.10.0-28-amd64")
    assert probe.limits_processes("root", "4.19.0")  # a user id of its own per kernel


@pytest.mark.parametrize("found, mode, line", [
    (Availability("root", process_limit=True), "auto",
     "Sandbox: root. Each kernel runs as a user id of its own, with no network, seeing only "
     "its own folder."),
    (Availability("rootless", process_limit=True), "auto",
     "Sandbox: rootless. Each kernel runs in user namespaces of its own, with no network, "
     "seeing only its own folder."),
    (Availability("rootless", process_limit=False), "auto",
     "Sandbox: rootless. Each kernel runs in user namespaces of its own, with no network, "
     "seeing only its own folder. --process-limit does not hold in it: that needs Linux 5.14 or "
     "newer."),
    (Availability(None, "`bwrap` is not installed", "sudo apt-get install bubblewrap"), "auto",
     "Sandbox: none, since `bwrap` is not installed. See the README for what still holds. To "
     "fix this, run: sudo apt-get install bubblewrap"),
    (Availability("rootless", process_limit=True), "off",
     "Sandbox: none (--sandbox off). See the README for what still holds."),
])
def test_grade_says_which_sandbox_runs_and_what_would_make_one_run(monkeypatch, found, mode,
                                                                   line):
    monkeypatch.setattr("grader.output.lines.availability", lambda: found)
    monkeypatch.setattr(sandbox_module, "availability", lambda: found)
    monkeypatch.setattr(sandbox_module.os, "geteuid", lambda: 1000)  # as root: the next test
    assert sandbox_line(Settings(sandbox=mode)) == line


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    add_settings_options(parser)
    return parser


NO_BWRAP = Availability(None, "`bwrap` is not installed", "apt-get install bubblewrap")


@pytest.fixture
def as_root_without_bwrap(monkeypatch):
    monkeypatch.setattr(sandbox_module, "availability", lambda: NO_BWRAP)
    monkeypatch.setattr("grader.output.lines.availability", lambda: NO_BWRAP)
    monkeypatch.setattr(sandbox_module.os, "geteuid", lambda: 0)
    monkeypatch.setattr(sandbox_module.shutil, "which", lambda program: f"/usr/bin/{program}")
    monkeypatch.setattr(unprivileged.shutil, "which", lambda program: f"/usr/bin/{program}")


@pytest.fixture
def open_folder():
    """A folder every user may pass through (pytest's own temporary folders are root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="grader-open-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


def test_as_root_without_bwrap_the_kernel_runs_as_a_user_id_of_its_own(as_root_without_bwrap,
                                                                         open_folder, tmp_path):
    lessons = open_folder / "assignments"
    (lessons / "convolutions").mkdir(parents=True, mode=0o700)
    (lessons / "convolutions" / "expected.npz").write_bytes(b"answers")
    assert make_sandbox("auto", 99, [], [lessons]).kind == "user"
    assert make_sandbox("off", 99, [], [lessons]) is None  # off: the grader's own user
    with pytest.raises(UsageError, match="--sandbox on, but `bwrap` is not installed"):
        make_sandbox("on", 99, [], [lessons])  # on: bubblewrap's sandbox or nothing

    kernel = make_sandbox("auto", 99, [], [lessons]).for_one_kernel()
    command = kernel.command(["python", "-m", "ipykernel_launcher"], tmp_path)
    assert command == ["setpriv", f"--reuid={kernel.uid}", f"--regid={kernel.uid}",
                       "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
                       "--no-new-privs", "--", "prlimit", "--nproc=99", "--",
                       "python", "-m", "ipykernel_launcher"]
    assert kernel.uid >= sandbox_module.FIRST_UID and kernel.own_user


def test_as_root_without_bwrap_answers_every_user_can_read_refuse_the_run_with_the_fix(
        as_root_without_bwrap, open_folder, monkeypatch):
    lessons, solutions = open_folder / "assignments", open_folder / "solutions"
    (lessons / "convolutions").mkdir(parents=True)
    solutions.mkdir()
    (lessons / "convolutions" / "expected.npz").write_bytes(b"answers")
    (solutions / "convolutions.py").write_text("def convolve(): ...")
    (solutions / "convolutions.secret").write_text("42")
    for path in [lessons, solutions, *lessons.rglob("*"), *solutions.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)

    assert len(unprivileged.exposed([lessons, solutions])) == 3
    with pytest.raises(UsageError) as error:
        make_sandbox("auto", 99, [], [lessons, solutions])
    assert str(error.value).endswith(
        f"can be read by every user. To fix this, run: chmod -R go-rwx {lessons} {solutions}  "
        "(or install bubblewrap)")
    assert "expected.npz" in str(error.value)
    # Said before anything is graded: grade and grade check check every lesson and solutions
    # folder once they know the settings.
    monkeypatch.setattr(sandbox_module, "private_folders", lambda: [lessons, solutions])
    with pytest.raises(UsageError, match="chmod -R go-rwx"):
        settings_from(build_parser().parse_args([]))

    unprivileged.lock([lessons, solutions])
    settings_from(build_parser().parse_args([]))
    assert unprivileged.exposed([lessons, solutions]) == []
    assert make_sandbox("auto", 99, [], [lessons, solutions]).kind == "user"
    # A file open to all behind a folder closed to them is out of their reach.
    (solutions / "convolutions.secret").chmod(0o644)
    assert unprivileged.exposed([solutions]) == []


def test_the_sandbox_line_names_the_unprivileged_user(as_root_without_bwrap):
    assert sandbox_line(Settings(sandbox="auto")) == (
        "Sandbox: unprivileged user, since `bwrap` is not installed. Each kernel runs as a user "
        "id of its own, which cannot read the lessons or the reference solutions, with the "
        "network. See the README for what still holds. To fix this, run: apt-get install "
        "bubblewrap")
    assert sandbox_line(Settings(sandbox="off")).startswith("Sandbox: none (--sandbox off).")

FORKS = """
import os, time
children = 0
try:
    while children < 20:
        if os.fork() == 0:
            time.sleep(10)
            os._exit(0)
        children += 1
except OSError:
    pass
print(children)
"""


@pytest.mark.skipif(os.geteuid() == 0, reason="as root, kernels run in the root sandbox, where "
                    "each has a user id of its own; this is the rootless sandbox's limit")
@needs_sandbox
def test_the_rootless_process_limit_counts_the_sandbox_alone(tmp_path):
    """Linux 5.14 and newer count a user's processes per user namespace: the user's processes
    outside the sandbox do not count against the limit inside it, nor the other way round."""
    sandbox = make_sandbox("on", 8, [], [])
    if sandbox.process_limit is None:
        pytest.skip(f"the limit does not hold in the rootless sandbox on Linux {os.uname().release}")
    assert sandbox.kind == "rootless"
    outside = [subprocess.Popen(["sleep", "60"]) for _ in range(12)]  # more than the limit
    try:
        forked = subprocess.run(sandbox.command([sys.executable, "-c", FORKS], tmp_path),
                                capture_output=True, text=True, timeout=60)
    finally:
        for process in outside:
            process.kill()
            process.wait()
    # Inside: the namespace's first process, Python, and as many children as the limit leaves.
    assert forked.stdout.split() == ["6"], forked.stderr


SPY = """
import os, socket, subprocess, time
seen = {"uid": os.getuid(), "root": sorted(os.listdir("/"))}
for path in [REPO + "/solutions/convolutions.py", "/etc/passwd", REPO + "/README.md",
             HIDDEN + "/__init__.py"]:
    try:
        open(path).read()
        seen[path] = "read"
    except OSError as error:
        seen[path] = type(error).__name__
for folder in ["/", "/etc", "/dev/shm", REPO, REPO + "/assignments", HIDDEN, os.environ["HOME"],
               "/tmp"]:
    try:
        with open(os.path.join(folder, "planted.py"), "w") as handle:
            handle.write("print('planted')")
        seen["write " + folder] = "wrote"
    except OSError as error:
        seen["write " + folder] = type(error).__name__
seen["env"] = {name: os.environ.get(name) for name in
               ("HOME", "IPYTHONDIR", "MPLCONFIGDIR", "PYTHONNOUSERSITE")}
try:
    socket.create_connection(("1.1.1.1", 53), timeout=2)
    seen["network"] = "connected"
except OSError as error:
    seen["network"] = type(error).__name__
daemon = subprocess.Popen(["sleep", "600"], start_new_session=True)
seen["daemon"] = daemon.pid
print(seen)
"""


@pytest.mark.kernel
@needs_sandbox
def test_a_sandboxed_kernel_sees_only_its_folder_and_leaves_nothing_behind(assignment, tmp_path):
    hidden = assignment.folder  # covered, inside a folder the kernel may read
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(f"REPO, HIDDEN = {str(ROOT)!r}, {str(hidden)!r}" + SPY),
        nbformat.v4.new_code_cell("print('x' * 300_000)\nprint('y' * 300_000)"),
    ])
    sandbox = make_sandbox("on", 64, [assignment.folder.parent], [hidden])
    with NotebookRun(notebook, assignment.data_paths(), cell_timeout=30, total_timeout=60,
                     limits=Limits.from_settings(Settings()), sandbox=sandbox,
                     output_limit=400_000) as run:
        execution = run.run_cells()
        kind, uid, workdir = run.sandbox.kind, run.sandbox.uid, run.workdir
        outputs = [cell.outputs for cell in run.client.nb.cells]
        inside = run.client.km.inside  # lists the sandbox's processes
        assert inside() != []  # the kernel runs

    assert execution.cell_failures == ()
    seen = eval(outputs[0][0]["text"])  # a dict the test's own notebook printed
    if kind == "root":
        assert seen["uid"] == uid and uid >= 1_000_000
    else:  # the rootless sandbox keeps the user, without its capabilities
        assert seen["uid"] == os.getuid() != 0
    # Only its own folder (its home too) and its own /tmp, which is memory, take files; nothing
    # reached the disk.
    wrote = {key[len("write "):] for key, outcome in seen.items() if outcome == "wrote"}
    assert {str(workdir), "/tmp"} <= wrote
    assert all(folder == str(workdir) or Path(folder).is_relative_to("/tmp") for folder in wrote)
    assert [folder for folder in ("/", "/etc", "/dev/shm", ROOT, ROOT / "assignments", hidden,
                                  "/tmp") if Path(folder, "planted.py").exists()] == []
    assert seen["env"] == {"HOME": str(workdir), "IPYTHONDIR": str(workdir / ".ipython"),
                           "MPLCONFIGDIR": str(workdir / ".matplotlib"), "PYTHONNOUSERSITE": "1"}
    # The root holds system folders, and the way to Python and to the grader's packages only.
    # In a virtual environment, Python is both the environment and the Python it was made from.
    system = {"bin", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "sbin", "tmp", "usr"}
    pythons = {sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix}
    on_the_way = {Path(prefix).resolve().parts[1] for prefix in pythons} | {ROOT.parts[1]}
    assert set(seen["root"]) <= system | on_the_way
    assert seen[str(ROOT / "solutions" / "convolutions.py")] == "FileNotFoundError"
    assert seen[str(ROOT / "README.md")] == "FileNotFoundError"
    assert seen["/etc/passwd"] == "FileNotFoundError"
    assert seen[str(hidden / "__init__.py")] == "FileNotFoundError"
    assert seen["network"] in {"OSError", "gaierror"} or "Unreachable" in seen["network"]
    # Output past the cap is dropped, with a note that says so.
    texts = [output.get("text", "") for output in outputs[1]]
    assert sum(map(len, texts)) < 400_000 + 1000
    assert texts[-1] == TRUNCATED.format(mib=400_000 / 1024**2)
    # The session-leading daemon died with the kernel; the folder is gone.
    assert inside() == []
    if kind == "root":
        assert [p for p in process_table().values() if p.uid == uid] == []
    assert not Path(workdir).exists()
