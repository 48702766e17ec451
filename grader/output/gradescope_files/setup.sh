#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu 22.04), in
# the folder the autograder zip was unpacked into (/autograder/source). It installs Python, the
# grader's dependencies and bubblewrap (the kernel sandbox, which runs where the platform
# allows it), locks the reference solutions and the lesson (its stored outputs) away from
# everyone but root, so that a kernel run as an unprivileged user where the sandbox cannot run
# cannot read them, and checks that the lesson and its reference load (which locks them again),
# so that a broken autograder fails here and not on a student.
set -euxo pipefail
source_dir=$(cd "$(dirname "$0")" && pwd)
venv=/opt/grader  # run_autograder runs the grader with its Python

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip bubblewrap util-linux
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --upgrade pip
"$venv/bin/python" -m pip install -r "$source_dir/requirements.txt"
for private in "$source_dir/solutions" "$source_dir/assignments"; do
    if [ -d "$private" ]; then chmod -R go-rwx "$private"; fi
done
PYTHONPATH="$source_dir" "$venv/bin/python" -m grader.cli.run_autograder --check "$source_dir/.."
