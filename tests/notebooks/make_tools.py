"""Write the submissions in ``tools/``: ``python tests/notebooks/make_tools.py``.

Each is a correct solution saved the way a real tool saves it (Colab, VS Code, Jupyter of ten
years ago, a script) or leaning on what only the student's machine had (a package of their
environment, Google Drive, ``input()``, package installs). Each says in its first markdown cell
what it is for; ``tests/test_real_tools.py`` grades the folder as one batch and checks that each
earns full marks with a clear note for what could not run. The functions are the student's own
(vectorised with numpy), never the reference solutions.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent / "tools"

FUNCTIONS = '''\
def get_subimages(image, kernel_shape):
    return np.lib.stride_tricks.sliding_window_view(np.asarray(image, dtype=float),
                                                    tuple(kernel_shape))


def convolve(image, kernel):
    return (get_subimages(image, kernel.shape) * kernel).sum(axis=(2, 3))


def template_match(image, template):
    windows = get_subimages(image, template.shape)
    windows = windows - windows.mean(axis=(2, 3), keepdims=True)
    return (windows * (template - template.mean())).sum(axis=(2, 3))
'''


def lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def code(source: str, **fields) -> dict:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
            "source": lines(source), **fields}


def markdown(source: str, **fields) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": lines(source), **fields}


def notebook(cells: list[dict], metadata: dict, minor: int = 5) -> dict:
    return {"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": minor}


def write(name: str, content: dict) -> None:
    (HERE / name).write_text(json.dumps(content, indent=1, ensure_ascii=False) + "\n",
                             encoding="utf-8")


def colab() -> None:
    def cell(kind, source, id, **fields):
        return kind(source, metadata={"id": id}, **fields)

    write("colab.ipynb", notebook([
        cell(markdown, "# Test submission: saved by Google Colab\n\nColab's metadata and cell "
             "ids, nbformat 4.0, `google.colab` imported to mount Drive, the photo read from a "
             "Drive path, and Colab's own `%tensorflow_version` magic. Verdict: full marks; the "
             "three failing cells each get a note.", "aB3dE_fG"),
        cell(code, "from google.colab import drive\ndrive.mount('/content/drive')", "x1Yz2Wq9"),
        cell(code, "%tensorflow_version 2.x", "tfv"),
        cell(code, "import imageio.v3 as iio\nimport numpy as np\n\n"
             "photo = iio.imread('/content/drive/MyDrive/lesson/dubs.jpg')", "Kp0LmN4r"),
        cell(code, FUNCTIONS, "fn-cell_1"),
    ], {"colab": {"provenance": [], "name": "convolutions.ipynb"}, "accelerator": "GPU",
        "kernelspec": {"name": "python3", "display_name": "Python 3"},
        "language_info": {"name": "python"}}, minor=0))


def vscode() -> None:
    def cell(kind, source, id):
        return kind(source, id=id)

    write("vscode.ipynb", notebook([
        cell(markdown, "# Test submission: saved by VS Code\n\nVS Code's metadata (its "
             "interpreter's hash), a kernelspec named after the student's virtual environment, "
             "and `# %%` markers left in a cell. Verdict: full marks, no failing cell.", "a1"),
        cell(code, "# %%\nimport numpy as np", "b2"),
        cell(code, FUNCTIONS, "c3"),
    ], {"kernelspec": {"display_name": "Python 3.11.4 ('.venv': venv)", "language": "python",
                       "name": "python3"},
        "language_info": {"name": "python", "version": "3.11.4"}, "orig_nbformat": 4,
        "vscode": {"interpreter": {"hash": "3c1a" * 16}}}))


def nbformat3() -> None:
    def cell(source):
        return {"cell_type": "code", "collapsed": False, "input": lines(source),
                "language": "python", "metadata": {}, "outputs": [], "prompt_number": 3}

    write("nbformat3.ipynb", {"metadata": {"name": "convolutions"}, "nbformat": 3,
                              "nbformat_minor": 0, "worksheets": [{"cells": [
        {"cell_type": "markdown", "metadata": {}, "source": lines(
            "Test submission: saved by IPython 2 (nbformat 3)\n\nCells in a worksheet, "
            "`input` instead of `source`, a heading cell. Verdict: full marks.")},
        {"cell_type": "heading", "level": 1, "metadata": {}, "source": ["Convolutions"]},
        cell("import numpy as np"),
        cell(FUNCTIONS),
    ], "metadata": {}}]})


def foreign_kernel() -> None:
    write("foreign_kernel.ipynb", notebook([
        markdown("# Test submission: saved with a kernel the grader lacks\n\nThe kernelspec "
                 "names the student's conda environment, and a cell imports `cv2`, which that "
                 "environment had. Verdict: full marks; the import's cell gets a note."),
        code("import cv2"),
        code("import numpy as np\n\n" + FUNCTIONS),
    ], {"kernelspec": {"name": "conda-env-vision-py", "display_name": "Python [conda env:vision]",
                       "language": "python"}}))


def installs_and_magics() -> None:
    write("installs_and_magics.ipynb", notebook([
        markdown("# Test submission: package installs and magics\n\n`!pip install` and `%pip "
                 "install` (not run while grading), a `%%capture` cell that installs, an "
                 "install inside a `%%bash` cell, and magics Jupyter has (`%matplotlib`, "
                 "`%%time`, `!echo`). Verdict: full marks, no failing cell, and a note on the "
                 "installs."),
        code("!pip install numpy imageio\n%pip install --quiet scipy"),
        code("%%capture\n!pip install matplotlib"),
        code("%%bash\npip install numpy\necho installed"),
        code("%matplotlib inline\n%load_ext autoreload\n!echo hello\nimport numpy as np"),
        code("%%time\n" + FUNCTIONS),
    ], {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}))


def asks_for_input() -> None:
    write("asks_for_input.ipynb", notebook([
        markdown("# Test submission: asks for input\n\nA cell calls `input()`, which nobody "
                 "answers while grading. Verdict: full marks; that cell gets a note."),
        code("name = input('Your name: ')\nprint('Hello', name)"),
        code("import numpy as np\n\n" + FUNCTIONS),
    ], {}))


def saved_figures() -> None:
    import matplotlib

    matplotlib.use("agg")
    import matplotlib.pyplot as plt

    figures = []
    for seed in range(3):
        image = np.random.default_rng(seed).random((40, 40))
        plt.figure(figsize=(2, 2))
        plt.imshow(image)
        buffer = io.BytesIO()
        plt.savefig(buffer, format="png", dpi=40)
        plt.close()
        figures.append(base64.b64encode(buffer.getvalue()).decode())
    outputs = [{"data": {"image/png": figure, "text/plain": ["<Figure>"]}, "metadata": {},
                "output_type": "display_data"} for figure in figures]
    write("saved_figures.ipynb", notebook([
        markdown("# Test submission: saved with its figures\n\nEach code cell carries the "
                 "figures of its last run; the test copies them until the file weighs many "
                 "megabytes. Verdict: full marks."),
        code("import numpy as np\nimport matplotlib.pyplot as plt", execution_count=1),
        code(FUNCTIONS + "\nfor seed in range(3):\n    plt.imshow(convolve(np.random.default_rng("
             "seed).random((202, 202)), np.ones((3, 3))))\n    plt.show()",
             execution_count=2, outputs=outputs),
    ], {}))


def accented_name() -> None:
    write("José Núñez – convolutions (1).ipynb", notebook([
        markdown("# Test submission: a file name with spaces and accents\n\nAs a browser "
                 "downloads it a second time. Verdict: full marks, under that very name."),
        code("import numpy as np\n\n" + FUNCTIONS),
    ], {}))


def scripts() -> None:
    (HERE / "vscode_export.py").write_text(
        "# %% [markdown]\n"
        "# # Test submission: a script in the percent format\n"
        "#\n"
        "# As VS Code's \"Export as Python script\" writes it: `# %%` cells, markdown in\n"
        "# comments, a magic left as a comment. Verdict: full marks.\n\n"
        "# %%\nimport numpy as np\n# %matplotlib inline\n\n"
        "# %%\n" + FUNCTIONS, encoding="utf-8")
    (HERE / "plain_script.py").write_text(
        "# Test submission: a plain Python script\n"
        "#\n"
        "# No cell markers, as a student saves a .py file by hand; it ends by trying its\n"
        "# functions under `if __name__ == \"__main__\"`. Verdict: full marks.\n\n"
        "import numpy as np\n\n\n" + FUNCTIONS + "\n\nif __name__ == \"__main__\":\n"
        "    print(convolve(np.eye(4), np.ones((2, 2))))\n", encoding="utf-8")


def with_helper() -> None:
    folder = HERE / "with_helper"
    folder.mkdir(exist_ok=True)
    (folder / "helpers.py").write_text(
        "\"\"\"The student's own module, beside the notebook.\"\"\"\n\nimport numpy as np\n\n\n"
        "def windows(image, shape):\n    return np.lib.stride_tricks.sliding_window_view("
        "np.asarray(image, dtype=float), tuple(shape))\n", encoding="utf-8")
    np.save(folder / "my_kernel.npy", np.ones((3, 3)) / 9)
    write("with_helper/convolutions.ipynb", notebook([
        markdown("# Test submission: a folder with the student's own files\n\nThe notebook "
                 "imports its functions' helper from `helpers.py` and loads `my_kernel.npy`, "
                 "both beside it in the student's folder. Verdict: full marks, no failing cell."),
        code("import numpy as np\nfrom helpers import windows\n\nmy_kernel = np.load("
             "'my_kernel.npy')\nassert my_kernel.shape == (3, 3)"),
        code("def get_subimages(image, kernel_shape):\n    return windows(image, kernel_shape)\n\n\n"
             "def convolve(image, kernel):\n    return (windows(image, kernel.shape) * kernel)"
             ".sum(axis=(2, 3))\n\n\ndef template_match(image, template):\n    w = windows(image, "
             "template.shape)\n    w = w - w.mean(axis=(2, 3), keepdims=True)\n    return (w * "
             "(template - template.mean())).sum(axis=(2, 3))"),
    ], {}))


if __name__ == "__main__":
    HERE.mkdir(exist_ok=True)
    for make in (colab, vscode, nbformat3, foreign_kernel, installs_and_magics, asks_for_input,
                 saved_figures, accented_name, scripts, with_helper):
        make()
