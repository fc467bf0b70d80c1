"""Compiled loops run in chunks, so that a progress bar can advance between them.

A long loop (NUTS transitions, SVI steps) is compiled once as a program that
advances its state by ``n`` steps, ``n`` a traced argument of at most a fixed
number of slots: every chunk, the last and shorter one included, reuses the
same compiled program. :func:`run_chunks` keeps a few chunks dispatched ahead
of the one it waits on (JAX dispatches asynchronously, so the devices do not
wait for the host) and advances the bar as each one finishes. Chunking does not
change the result: the steps and their order are the same.
"""

from collections import deque
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

AHEAD = 4  # chunks dispatched beyond the one the host waits on


class Chunk(NamedTuple):
    """One call of an advancing program.

    Attributes:
        steps: number of steps it runs.
        note: shown after the bar while it runs (e.g. "warm-up").
        keep: whether its records are returned.
    """

    steps: int
    note: str
    keep: bool = True


def loop(step: Callable, carry, template, count, slots: int, first=0):
    """``count`` steps of ``step(carry) -> (carry, record)``, records kept in a buffer.

    Args:
        step: one step; ``record`` has the structure, shapes and dtypes of ``template``.
        carry: the state before the first step.
        template: a record-shaped pytree (e.g. the record of ``carry``).
        count: number of steps, a Python or traced integer.
        slots: length of the record buffer.
        first: the record of step ``i`` goes to slot ``max(i - first, 0)``, so
            the steps before ``first`` overwrite slot 0 (e.g. NUTS warm-up).

    Returns:
        (carry after ``count`` steps, buffer with a leading axis of ``slots``).
    """
    buffer = jax.tree.map(lambda leaf: jnp.zeros((slots,) + jnp.shape(leaf), jnp.result_type(leaf)), template)

    def body(i, state):
        carry, buffer = state
        carry, record = step(carry)
        slot = jnp.maximum(i - first, 0)
        return carry, jax.tree.map(lambda b, leaf: b.at[slot].set(leaf), buffer, record)

    return jax.lax.fori_loop(0, count, body, (carry, buffer))


def chunk_length(total: int, updates: int) -> int:
    """The chunk length that splits ``total`` steps into about ``updates`` chunks (at least 1)."""
    return max(1, -(-int(total) // int(updates)))


def chunks(total: int, length: int, note: str, keep: bool = True) -> list[Chunk]:
    """Consecutive chunks of at most ``length`` steps covering ``total`` steps."""
    return [Chunk(min(length, total - start), note, keep) for start in range(0, int(total), int(length))]


def run_chunks(advance: Callable, carry, plan: list[Chunk], bar, ahead: int = AHEAD):
    """Run ``advance(carry, steps) -> (carry, records)`` for each chunk of ``plan``.

    Up to ``ahead`` chunks are dispatched beyond the one waited on, so that the
    devices keep working while the host updates the bar (and a device that
    finishes a chunk early starts the next); the bar advances by each chunk's
    steps as it finishes.

    Args:
        advance: the compiled advancing program.
        carry: its state before the first chunk.
        plan: the chunks, in order.
        bar: a progress bar (:func:`astrozoo.inference.progress.progress_bar`).
        ahead: chunks dispatched beyond the one waited on (>= 0).

    Returns:
        (carry after the last chunk, the records of the kept chunks as NumPy arrays).
    """
    pending, kept, note = deque(), [], None
    for index in range(len(plan) + ahead):
        if index < len(plan):
            carry, records = advance(carry, np.asarray(plan[index].steps, dtype=np.int64))
            pending.append((plan[index], records))
        if index < ahead:
            continue
        chunk, records = pending.popleft()
        if chunk.note != note:
            note = chunk.note
            bar.set_postfix_str(note)
        if chunk.keep:
            kept.append(jax.device_get(records))
        else:
            jax.block_until_ready(records)
        bar.update(chunk.steps)
    return carry, kept
