"""Compiled loops run in chunks, so that a progress bar can advance between them.

A long loop (NUTS transitions, SVI steps) is compiled once as a program that
advances its state by ``n`` steps, ``n`` a traced argument of at most a fixed
number of slots: every chunk, the last and shorter one included, reuses the
same compiled program. :func:`run_chunks` dispatches all chunks at once (JAX
dispatches asynchronously, so the devices never wait for the host) and then
waits on them in order, advancing the bar as each one finishes. Chunking does
not change the result: the steps and their order are the same.
"""

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np


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


def run_chunks(advance: Callable, carry, plan: list[Chunk], bar):
    """Run ``advance(carry, steps) -> (carry, records)`` for each chunk of ``plan``.

    Every chunk is dispatched before the first is waited on; the bar then
    advances by each chunk's steps as it finishes.

    Args:
        advance: the compiled advancing program.
        carry: its state before the first chunk.
        plan: the chunks, in order.
        bar: a progress bar (:func:`astrozoo.inference.progress.progress_bar`).

    Returns:
        (carry after the last chunk, the records of the kept chunks as NumPy arrays).
    """
    pending = []
    for chunk in plan:
        carry, records = advance(carry, np.asarray(chunk.steps, dtype=np.int64))
        pending.append((chunk, records))
    kept, note = [], None
    for chunk, records in pending:
        if chunk.note != note:
            note = chunk.note
            bar.set_postfix_str(note)
        if chunk.keep:
            kept.append(jax.device_get(records))
        else:
            jax.block_until_ready(records)
        bar.update(chunk.steps)
    return carry, kept
