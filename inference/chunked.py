"""Compiled loops run in chunks, so that a progress bar can advance between them.

A long loop (NUTS transitions, SVI steps) is compiled once as a program that
advances a :class:`Recording` by ``n`` steps, ``n`` a traced argument: every
chunk, whatever its length, reuses the same compiled program, and the records
stay on the device in a buffer carried from chunk to chunk. :func:`run_chunks`
sizes the chunks by time (a bar update about every :data:`UPDATE_SECONDS`),
keeps the next chunk dispatched while it waits on one (JAX dispatches
asynchronously, so the devices do not wait for the host) and advances the bar
as each finishes. Chunking does not change the result: the steps and their
order are the same.
"""

import time
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

UPDATE_SECONDS = 0.5  # wall time between bar updates that the chunk sizes aim at
FIRST_CHUNK = 0.01  # fraction of the steps in each of the first two chunks, which time the rest


class Phase(NamedTuple):
    """Consecutive steps shown with one note after the bar (e.g. 250 steps of "warm-up")."""

    steps: int
    note: str


class Recording(NamedTuple):
    """A loop's state, the buffer its steps are recorded into, and the number of steps done.

    Attributes:
        state: the state the steps advance.
        records: pytree of buffers with a leading axis (one slot per record).
        done: steps run so far (an integer array).
    """

    state: Any
    records: Any
    done: jax.Array


def recording(state, template, slots: int) -> Recording:
    """A :class:`Recording` of ``state`` before its first step, with ``slots`` slots shaped like ``template``."""
    buffer = jax.tree.map(lambda leaf: jnp.zeros((slots,) + jnp.shape(leaf), jnp.result_type(leaf)), template)
    return Recording(state, buffer, jnp.zeros((), jnp.result_type(int)))


def record(step: Callable, rec: Recording, count, first: int = 0) -> Recording:
    """``count`` more steps of ``step(state) -> (state, record)``.

    The record of step ``i`` (counted from the loop's start) goes to slot
    ``max(i - first, 0)``: the steps before ``first`` overwrite slot 0 (e.g. NUTS
    warm-up). ``count`` is a Python or traced integer.
    """

    def body(_, rec):
        state, record_ = step(rec.state)
        slot = jnp.maximum(rec.done - first, 0)
        records = jax.tree.map(lambda b, leaf: b.at[slot].set(leaf), rec.records, record_)
        return Recording(state, records, rec.done + 1)

    return jax.lax.fori_loop(0, count, body, rec)


def run_chunks(advance: Callable, carry, phases: list[Phase], bar, fixed: int | None = None):
    """Run ``advance(carry, n) -> carry`` over every phase's steps, in chunks; return the last carry.

    Chunk lengths: ``fixed`` if given (e.g. a block of replications whose
    length is compiled in); otherwise the first two chunks hold
    :data:`FIRST_CHUNK` of all the steps, and each later one as many as the
    steps finished so far say fit in :data:`UPDATE_SECONDS`. A chunk never
    crosses from one phase into the next. Each chunk is dispatched before the
    host waits on the one before it; the bar advances as each finishes.

    Args:
        advance: the compiled advancing program (``n`` is passed as an int64 array).
        carry: its state before the first chunk.
        phases: the steps, in order, with the note shown while they run.
        bar: a progress bar (:func:`astrozoo.inference.progress.progress_bar`).
        fixed: the length of every chunk (the last of a phase may be shorter).
    """
    total = sum(phase.steps for phase in phases)
    first = max(1, int(total * FIRST_CHUNK))
    started, finished, pending = time.perf_counter(), 0, []

    def wait_for_oldest():
        nonlocal finished
        chunk_carry, steps, note = pending.pop(0)
        jax.block_until_ready(chunk_carry)
        bar.set_postfix_str(note, refresh=False)
        bar.update(steps)
        finished += steps

    for phase in phases:
        left = int(phase.steps)
        while left:
            if fixed:
                steps = fixed
            elif finished:
                steps = max(1, int(UPDATE_SECONDS * finished / (time.perf_counter() - started)))
            else:
                steps = first
            steps = min(steps, left)
            carry = advance(carry, np.asarray(steps, dtype=np.int64))
            pending.append((carry, steps, phase.note))
            left -= steps
            if len(pending) > 1:
                wait_for_oldest()
    while pending:
        wait_for_oldest()
    return carry
