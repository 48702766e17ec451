"""Drawing a sub-check's inputs with hypothesis, the same way in every process.

Every sub-check draws with a seed of its own (``search_seed``) and the grading settings
(``search_settings``: no example database, derandomized), so a given hypothesis version draws
the same inputs on every machine; the first draw is what the stored file keeps (see ``stored``).
"""

from __future__ import annotations

import zlib
from contextlib import contextmanager

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings

from ..model.assignment import Exercise, SubCheck


def search_seed(exercise: Exercise, subcheck: SubCheck) -> int:
    """One fixed seed per sub-check, the same in every process and on every machine."""
    return zlib.crc32(f"{exercise.name}/{subcheck.name}".encode())


def search_settings(max_examples: int) -> settings:
    return settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        verbosity=Verbosity.quiet,
        print_blob=False,
    )


@contextmanager
def same_draws_in_every_process():
    """Keep hypothesis from mixing in literals found in the modules this process has imported.

    Hypothesis now and then draws a constant it found in the "local" modules loaded at the time
    (ours among them), so what it draws for a fixed seed would depend on which of the grader's
    modules happen to be imported. Inside this block it uses only its own constants. Where a
    hypothesis version does not work this way, nothing is changed.
    """
    try:
        from hypothesis.internal.conjecture import providers

        original, cache = providers._get_local_constants, providers.CONSTANTS_CACHE.cache
    except (ImportError, AttributeError):
        yield
        return
    providers._get_local_constants = providers.Constants
    cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        cache.clear()


def draw_inputs(exercise: Exercise, subcheck: SubCheck, max_examples: int,
                with_seed: int | None = None) -> tuple[tuple, ...]:
    """The inputs hypothesis draws for a sub-check when nothing fails: with the sub-check's own
    seed, or ``with_seed`` (held-out inputs, see ``model.secret``)."""
    drawn: list[tuple] = []

    @seed(search_seed(exercise, subcheck) if with_seed is None else with_seed)
    @search_settings(max_examples)
    @given(subcheck.inputs)
    def collect(arguments):
        drawn.append(arguments)

    with same_draws_in_every_process():
        collect()
    return tuple(drawn)
