"""Every cell of the lifecycle table (style.md point 3): allowed moves give the listed status,
every other (status, move) pair is refused, and the status sets agree with the table and with
the national sync codes of domain-rules.md ("Dossier code and statuses", "A lifecycle ...")."""

from __future__ import annotations

import itertools

import pytest
from django.utils import translation

from dossiers.lifecycle import (
    CLOCK_STOPPED,
    FINAL,
    MOVES,
    NATIONAL_CODES,
    OPEN,
    Move,
    MoveNotAllowed,
    Status,
    check_move,
)

S = Status
BEFORE = [None, *Status]
CELLS = list(itertools.product(BEFORE, Move))
ALLOWED = [cell for cell in CELLS if cell in MOVES]
FORBIDDEN = [cell for cell in CELLS if cell not in MOVES]

# domain-rules.md, "Dossier code and statuses": written out here, not read from the code.
DOMAIN_CODES = {
    "draft": None,
    "submitted": 1,
    "received": 2,
    "not_received": 3,
    "processing": 4,
    "awaiting_supplement": 5,
    "awaiting_payment": 6,
    "withdrawn": 7,
    "stopped": 8,
    "result_ready": 9,
    "returned": 10,
}
# domain-rules.md, "A lifecycle that fits these rules": the "moves to" column, plus the moves
# that keep the status (hand-overs, consultations, apologies).
ENDS = {S.STOPPED, S.WITHDRAWN}
DOMAIN_TARGETS = {
    S.DRAFT: {S.SUBMITTED},
    S.SUBMITTED: {S.RECEIVED, S.AWAITING_SUPPLEMENT, S.NOT_RECEIVED, S.WITHDRAWN},
    S.RECEIVED: {S.RECEIVED, S.PROCESSING, S.WITHDRAWN},
    S.PROCESSING: {S.PROCESSING, S.AWAITING_SUPPLEMENT, S.AWAITING_PAYMENT, S.RESULT_READY} | ENDS,
    S.AWAITING_SUPPLEMENT: {S.AWAITING_SUPPLEMENT, S.PROCESSING, S.RECEIVED} | ENDS,
    S.AWAITING_PAYMENT: {S.AWAITING_PAYMENT, S.PROCESSING} | ENDS,
    S.RESULT_READY: {S.RESULT_READY, S.RETURNED},
    S.RETURNED: set(),
    S.NOT_RECEIVED: set(),
    S.WITHDRAWN: set(),
    S.STOPPED: set(),
}
# The engine's decision beyond the suggested table: a dossier whose process has no internal
# step may get its result (or be stopped) straight from "received".
ENGINE_EXTENSIONS = {S.RECEIVED: {S.RESULT_READY, S.STOPPED}}
# Moves that always lead to the same status, whatever the status before.
FIXED_TARGET = {
    Move.SUBMIT: S.SUBMITTED,
    Move.GUIDE_SUPPLEMENT: S.AWAITING_SUPPLEMENT,
    Move.REFUSE_RECEPTION: S.NOT_RECEIVED,
    Move.SUPPLEMENT_PROVIDED: S.PROCESSING,
    Move.HAND_OVER: S.PROCESSING,
    Move.REQUEST_SUPPLEMENT: S.AWAITING_SUPPLEMENT,
    Move.PAUSE_FOR_PAYMENT: S.AWAITING_PAYMENT,
    Move.RESUME_AFTER_PAYMENT: S.PROCESSING,
    Move.REFUSE: S.RESULT_READY,
    Move.RECORD_RESULT: S.RESULT_READY,
    Move.STOP: S.STOPPED,
    Move.WITHDRAW: S.WITHDRAWN,
    Move.RETURN_RESULT: S.RETURNED,
}
# Moves that never change the status they are made in.
SAME_STATUS = {Move.ASSIGN, Move.START_STEP, Move.SEND_BACK, Move.CONSULT,
               Move.ANSWER_CONSULTATION, Move.APOLOGISE}  # fmt: skip
CREATION = {Move.SUBMIT, Move.RECEIVE, Move.GUIDE_SUPPLEMENT, Move.REFUSE_RECEPTION, Move.TRANSFER}


def _cell_id(cell) -> str:
    status, move = cell
    return f"{status.value if status else 'new'}-{move.value}"


@pytest.mark.parametrize("cell", ALLOWED, ids=_cell_id)
def test_allowed_cell_gives_the_listed_status(cell):
    status, move = cell
    after = check_move(status, move)
    assert after == MOVES[cell]
    assert isinstance(after, Status)
    # The stored form of a status (a plain string) is read the same way.
    assert check_move(status.value if status else None, move) == after


@pytest.mark.parametrize("cell", FORBIDDEN, ids=_cell_id)
def test_every_other_cell_is_refused(cell):
    status, move = cell
    with translation.override("vi"), pytest.raises(MoveNotAllowed) as refused:
        check_move(status, move)
    message = str(refused.value)
    assert str(move.label) in message
    assert (str(status.label) if status else "(chưa có hồ sơ)") in message


def test_the_table_is_walked_completely():
    assert len(ALLOWED) + len(FORBIDDEN) == (len(Status) + 1) * len(Move)
    assert set(MOVES) <= set(CELLS)
    assert ALLOWED and FORBIDDEN


@pytest.mark.parametrize("status", sorted(FINAL), ids=str)
def test_no_move_out_of_a_final_status(status):
    for move in Move:
        with pytest.raises(MoveNotAllowed):
            check_move(status, move)


@pytest.mark.parametrize("status", list(Status), ids=str)
def test_targets_of_each_status_match_the_domain_table(status):
    targets = {after for (before, _), after in MOVES.items() if before == status}
    assert targets == DOMAIN_TARGETS[status] | ENGINE_EXTENSIONS.get(status, set())


def test_moves_with_a_fixed_target_always_lead_there():
    for (before, move), after in MOVES.items():
        if move in FIXED_TARGET:
            assert after == FIXED_TARGET[move], (before, move)
        if move in SAME_STATUS:
            assert after == before, (before, move)


def test_only_creation_moves_start_from_nothing():
    assert {move for (before, move) in MOVES if before is None} == CREATION
    assert check_move("", Move.RECEIVE) == S.RECEIVED


def test_every_status_is_reachable_and_every_open_one_can_end():
    reachable, frontier = set(), {None}
    while frontier:
        here = frontier.pop()
        for (before, _), after in MOVES.items():
            if before == here and after not in reachable:
                reachable.add(after)
                frontier.add(after)
    assert reachable == set(Status) - {S.DRAFT}  # a draft is made on the portal, not by a move
    for status in OPEN | {S.RESULT_READY}:
        assert _can_reach_final(status), status


def _can_reach_final(start: Status) -> bool:
    seen, frontier = {start}, [start]
    while frontier:
        here = frontier.pop()
        if here in FINAL:
            return True
        for (before, _), after in MOVES.items():
            if before == here and after not in seen:
                seen.add(after)
                frontier.append(after)
    return False


def test_withdrawal_from_every_open_status_and_stop_once_processing():
    for status in OPEN:
        assert check_move(status, Move.WITHDRAW) == S.WITHDRAWN
    for status in (S.PROCESSING, S.AWAITING_SUPPLEMENT, S.AWAITING_PAYMENT):
        assert check_move(status, Move.STOP) == S.STOPPED


def test_national_codes_follow_the_domain_rules_one_to_one():
    assert {status.value: code for status, code in NATIONAL_CODES.items()} == DOMAIN_CODES
    assert set(NATIONAL_CODES) == set(Status)
    codes = [code for code in NATIONAL_CODES.values() if code is not None]
    assert sorted(codes) == list(range(1, 11))


def test_open_final_and_clock_stopped_sets_agree_with_the_table():
    assert {S.AWAITING_SUPPLEMENT, S.AWAITING_PAYMENT} == CLOCK_STOPPED
    assert CLOCK_STOPPED <= OPEN
    assert not OPEN & FINAL
    assert set(Status) - OPEN - FINAL == {S.DRAFT, S.RESULT_READY}
    leaving = {before for before, _ in MOVES if before is not None}
    assert set(Status) - leaving == FINAL
    # Only a stopped clock is restarted by these moves, and they come only from a stopped clock.
    restarts = {Move.SUPPLEMENT_PROVIDED, Move.RESUME_AFTER_PAYMENT}
    assert {before for (before, move) in MOVES if move in restarts} == CLOCK_STOPPED
    pausing = {Move.GUIDE_SUPPLEMENT, Move.REQUEST_SUPPLEMENT, Move.PAUSE_FOR_PAYMENT}
    assert {after for (_, move), after in MOVES.items() if move in pausing} == CLOCK_STOPPED
