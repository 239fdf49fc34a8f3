"""CSV cells that a spreadsheet will not run: text starting with = + - @ (or a tab or carriage
return) is a formula to Excel and LibreOffice, so it gets a leading apostrophe."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text
