"""Hash chain: each kind of tamper (modify, delete, insert, reorder, truncate) is caught."""

import hashlib
from dataclasses import replace
from decimal import Decimal

from kclinic.domain.ledger_chain import (
    GENESIS_HASH,
    build_chain,
    canonical_content,
    entry_hash,
    verify_chain,
)
from tests.unit.test_ledger import receipt, worked_example


def chain():
    entries = (*worked_example().entries, receipt("r2", mg=1000))
    return build_chain("site-a", entries)


def test_entry_hash_is_sha256_of_prev_newline_content():
    expected = hashlib.sha256(("0" * 64 + "\nabc").encode()).hexdigest()
    assert entry_hash("abc", GENESIS_HASH) == expected


def test_canonical_content_ignores_decimal_spelling_but_not_value():
    a = receipt()
    same = replace(a, quantity_mg=Decimal("5.000E+3"), quantity_units=Decimal("10.0000"))
    assert canonical_content(a) == canonical_content(same)
    assert canonical_content(a) != canonical_content(replace(a, quantity_mg=Decimal(4999)))


def test_intact_chain_verifies_and_links():
    records = chain()
    assert len(records) == 5
    assert records[0].prev_hash == GENESIS_HASH
    assert all(records[i].prev_hash == records[i - 1].hash for i in range(1, 5))
    assert verify_chain(records) is None
    assert verify_chain(records, expected_head=records[-1].hash) is None


def test_other_sites_form_their_own_chain():
    assert build_chain("site-b", worked_example().entries) == ()


def test_modified_content_caught_at_that_row():
    records = list(chain())
    records[2] = replace(records[2], content=records[2].content.replace("40", "4"))
    assert verify_chain(records) == 2


def test_modified_row_with_rehashed_self_caught_at_next_row():
    records = list(chain())
    content = records[2].content.replace('"quantity_mg":"40"', '"quantity_mg":"4"')
    records[2] = replace(
        records[2], content=content, hash=entry_hash(content, records[2].prev_hash)
    )
    assert verify_chain(records) == 3


def test_deleted_row_caught():
    records = list(chain())
    del records[1]
    assert verify_chain(records) == 1


def test_inserted_row_caught():
    # The forged row links perfectly after row 0 (right seq, prev_hash and hash), and the
    # rows after it are renumbered; the old row 1, now at index 2, no longer links to it.
    records = list(chain())
    fits = replace(records[1], content="{}", hash=entry_hash("{}", records[0].hash))
    records.insert(1, fits)
    assert verify_chain([replace(r, seq=i) for i, r in enumerate(records)]) == 2
    # Without renumbering the old row 1 also sits at the wrong sequence number.
    records = list(chain())
    records.insert(1, fits)
    assert verify_chain(records) == 2


def test_reordered_rows_caught():
    records = list(chain())
    records[1], records[2] = records[2], records[1]
    assert verify_chain(records) == 1


def test_truncated_tail_caught_only_against_the_head():
    records = chain()
    assert verify_chain(records[:3]) is None
    assert verify_chain(records[:3], expected_head=records[-1].hash) == 3
