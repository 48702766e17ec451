"""Solution markers: each syntax as handed out and as the reference keeps it, and each misuse
named with its cell line and its fix. No kernels."""

import pytest

from grader.authoring.markers import handout_source, solution_source
from grader.model.errors import AuthoringError

WHERE = "cell 3 (`def f(x):`)"


def lines(*text):
    return "\n".join(text)


def test_solution_block_becomes_nbgraders_stub_at_its_indentation():
    source = lines("def f(x):", "    ### BEGIN SOLUTION", "    return x + 1", "    ### END SOLUTION")
    assert handout_source(source, WHERE) == lines(
        "def f(x):", "    # YOUR CODE HERE", "    raise NotImplementedError()")
    assert solution_source(source, WHERE) == lines("def f(x):", "    return x + 1")


def test_block_markers_take_any_number_of_hashes_and_any_indentation():
    source = lines("for i in range(3):", "        # BEGIN SOLUTION", "        print(i)",
                   "        ##### END SOLUTION")
    assert handout_source(source, WHERE) == lines(
        "for i in range(3):", "        # YOUR CODE HERE", "        raise NotImplementedError()")


def test_prompt_replaces_the_solution_with_one_hash_taken_off_each_line():
    source = lines(
        "def f(result):",
        "    ### BEGIN SOLUTION",
        "    result[0] = 1",
        "    ### END SOLUTION",
        "    ### BEGIN PROMPT",
        "    ## Keep one of these:",
        "    # result[0] = ...",
        "    #result[1] = ...",
        "",
        "    ### END PROMPT",
        "    return result",
    )
    assert handout_source(source, WHERE) == lines(
        "def f(result):", "    # Keep one of these:", "    result[0] = ...", "    result[1] = ...",
        "", "    return result")
    assert solution_source(source, WHERE) == lines("def f(result):", "    result[0] = 1",
                                                   "    return result")


def test_solution_without_prompt_is_left_out_with_no_stub():
    source = lines("x = 1", "### BEGIN SOLUTION NO PROMPT", "x = 2", "### END SOLUTION", "y = x")
    assert handout_source(source, WHERE) == lines("x = 1", "y = x")
    assert solution_source(source, WHERE) == lines("x = 1", "x = 2", "y = x")


def test_line_marker_keeps_an_assignment_or_a_return_as_its_stub():
    source = lines(
        "def f(x):",
        "    y = x * 2  # SOLUTION",
        "    total: int = y + 1 # SOLUTION",
        "    print(y)  # SOLUTION",
        "    return total  # SOLUTION",
    )
    assert handout_source(source, WHERE) == lines(
        "def f(x):", "    y = ...", "    total: int = ...", "    return ...")
    assert solution_source(source, WHERE) == lines(
        "def f(x):", "    y = x * 2", "    total: int = y + 1", "    print(y)", "    return total")


def test_hidden_tests_are_left_out_of_handout_and_reference():
    source = lines("def f(x):", "    return x", "### BEGIN HIDDEN TESTS", "assert f(1) == 1",
                   "### END HIDDEN TESTS")
    assert handout_source(source, WHERE) == lines("def f(x):", "    return x")
    assert solution_source(source, WHERE) == lines("def f(x):", "    return x")


def test_markdown_solution_becomes_your_answer_here():
    source = lines("Why does the output shrink?", "", "### BEGIN SOLUTION",
                   "The kernel must fit inside the image.", "### END SOLUTION")
    assert handout_source(source, WHERE, code=False) == lines(
        "Why does the output shrink?", "", "YOUR ANSWER HERE")


def test_markdown_keeps_lines_that_end_like_a_line_marker():
    assert handout_source("Write `x = 1  # SOLUTION` for otter.", WHERE, code=False) == (
        "Write `x = 1  # SOLUTION` for otter.")


def test_source_without_markers_is_unchanged():
    source = lines("import numpy as np", "", "# a comment", "x = np.zeros(3)\n")
    assert handout_source(source, WHERE) == source
    assert solution_source(source, WHERE) == source


@pytest.mark.parametrize("source, message", [
    (lines("def f():", "    ### BEGIN SOLUTION", "    return 1"),
     "line 2: `### BEGIN SOLUTION` has no END; add `### END SOLUTION` after the block's last "
     "line"),
    (lines("def f():", "    return 1", "    ### END SOLUTION"),
     "line 3: `### END SOLUTION` has no BEGIN before it; add `### BEGIN SOLUTION` above the "
     "lines it ends, or delete it"),
    (lines("### BEGIN SOLUTION", "### BEGIN SOLUTION", "x = 1", "### END SOLUTION",
           "### END SOLUTION"),
     "line 2: `### BEGIN SOLUTION` inside the SOLUTION block begun on line 1; markers cannot "
     "nest: end that block with `### END SOLUTION` first"),
    (lines("### BEGIN SOLUTION", "x = 1", "### END HIDDEN TESTS"),
     "line 3: `### END HIDDEN TESTS` ends the SOLUTION block begun on line 1; end it with "
     "`### END SOLUTION`"),
    (lines("x = 1", "### BEGIN PROMPT", "# x = ...", "### END PROMPT"),
     "line 2: a PROMPT block must come right after a SOLUTION block; move it to the line after "
     "`### END SOLUTION`"),
    (lines("### BEGIN SOLUTION NO PROMPT", "x = 1", "### END SOLUTION", "### BEGIN PROMPT",
           "# x = ...", "### END PROMPT"),
     "line 4: a PROMPT block must come right after a SOLUTION block that is not NO PROMPT; "
     "delete NO PROMPT or the PROMPT block"),
    (lines("### BEGIN SOLUTION", "x = 1", "### END SOLUTION", "### BEGIN PROMPT", "# fine",
           "x = ...", "### END PROMPT"),
     "line 6: a PROMPT line that is not a comment would run in the solved notebook; start it "
     "with `#` (the handout shows it without)"),
    (lines("### BEGIN SOLUTION", "x = 1", "### END SOLUTION", "### BEGIN PROMPT", "# x = ..."),
     "line 4: `### BEGIN PROMPT` has no END; add `### END PROMPT` after the block's last line"),
    (lines("### BEGIN HIDDEN TESTS NO PROMPT", "assert True", "### END HIDDEN TESTS"),
     "line 1: only a SOLUTION block can be NO PROMPT; delete NO PROMPT"),
])
def test_misused_markers_name_the_cell_the_line_and_the_fix(source, message):
    with pytest.raises(AuthoringError) as raised:
        handout_source(source, WHERE)
    assert str(raised.value) == f"{WHERE}, {message}"
