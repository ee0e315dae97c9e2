from decimal import Decimal

import pytest

from bury_hc.exports import csv_cell, csv_response


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("@cmd", "'@cmd"),
        ("-4", "-4"),  # a negative number stays a number
        ("-4.5", "-4.5"),
        ("- not a number", "'- not a number"),
        (Decimal("330000000.00"), "330000000.00"),
        (None, ""),
        ("Bury", "Bury"),
    ],
)
def test_csv_cell_escapes_formulas_but_not_numbers(value, expected):
    assert csv_cell(value) == expected


def test_csv_response_has_bom_and_attachment_name():
    response = csv_response(filename="fund.csv", headers=["Pool", "£"], rows=[["Pooled", 1]])

    body = response.content.decode("utf-8")
    assert body.startswith("\ufeffPool,£\r\n")
    assert "Pooled,1" in body
    assert response["Content-Disposition"] == 'attachment; filename="fund.csv"'
