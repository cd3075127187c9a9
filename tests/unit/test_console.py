"""console helpers shared by the CLI's commands."""

from __future__ import annotations

from pgconveyor.ops.console import format_table, headline


def test_headline_of_no_text_is_empty_not_an_error():
    # pg_cron leaves a running job's return_message null: `conveyor schedule list` printed it.
    assert headline(None, 40) == ""
    assert headline("", 40) == ""


def test_headline_is_the_first_line_cut_to_width():
    assert headline("ValueError: boom\n  at line 3", 40) == "ValueError: boom"
    assert headline("x" * 100, 10) == "x" * 10


def test_format_table_aligns_columns_without_trailing_blanks():
    assert format_table(["name", "n"], [["a", 1], ["longer", 22]]) == [
        "name    n",
        "------  --",
        "a       1",
        "longer  22",
    ]
