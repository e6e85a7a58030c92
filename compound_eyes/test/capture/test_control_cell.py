"""The control cell hands a spawned process the parent's newest controls, types kept."""
from __future__ import annotations

import multiprocessing

import pytest

from compound_eyes.capture.control_cell import MAX_BYTES, ControlCell

CONTEXT = multiprocessing.get_context('spawn')


def _read_in_child(cell: ControlCell, out) -> None:
    out.send(cell.read())


def test_a_spawned_reader_sees_the_last_write_with_its_generation() -> None:
    cell = ControlCell(CONTEXT)
    assert cell.read() == (0, {}) and cell.generation == 0
    cell.write({'gain': 2.0})
    cell.write({'gain': 0.5, 'white_balance_k': 5000})
    assert cell.generation == 2
    reader, writer = CONTEXT.Pipe(duplex=False)
    child = CONTEXT.Process(target=_read_in_child, args=(cell, writer))
    child.start()
    generation, controls = reader.recv()
    child.join(10)
    assert generation == 2
    assert controls == {'gain': 0.5, 'white_balance_k': 5000}
    assert isinstance(controls['white_balance_k'], int) and isinstance(controls['gain'], float)


def test_controls_too_big_for_the_cell_are_refused_and_the_old_ones_stay() -> None:
    cell = ControlCell(CONTEXT)
    cell.write({'gain': 1.0})
    with pytest.raises(ValueError, match=f'at most {MAX_BYTES}'):
        cell.write({'x' * MAX_BYTES: 1})
    assert cell.read() == (1, {'gain': 1.0})
