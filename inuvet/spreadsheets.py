"""CSV for spreadsheets: cells that a spreadsheet will not run (text starting with = + - @, a tab
or a carriage return is a formula to Excel and LibreOffice, so it gets a leading apostrophe), and
the two dialects offered: plain CSV (comma, decimal point) and Finnish Excel (semicolon, decimal
comma), which Excel set to Finnish opens in columns without an import dialog."""

from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FINNISH_EXCEL = "fi"


def safe_cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_dialect(name: str) -> dict:
    """csv.writer's options for ?format=fi (Finnish Excel) or anything else (plain CSV)."""
    return {"delimiter": ";"} if name == FINNISH_EXCEL else {}


def number_cell(value: Decimal | int, dialect: str) -> str:
    """A number as the dialect writes it: 12.5 or 12,5."""
    text = str(value)
    return text.replace(".", ",") if dialect == FINNISH_EXCEL else text
