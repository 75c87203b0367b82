"""Reads an Excel workbook back with openpyxl and prints what a reader of it would meet:
each sheet's frozen panes, filter range, column widths, conditional formats, then every
non-empty cell with its type (n number, s text, d date) and number format when it has one.
Golden cases compare this dump, so a workbook that Excel would read differently fails."""
import sys
import warnings

import openpyxl

warnings.simplefilter("ignore")  # openpyxl warns about extensions it does not keep


def kind(cell):
    if cell.is_date:
        return "d"
    return "n" if cell.data_type == "n" else cell.data_type


def show(v):
    if hasattr(v, "strftime"):
        return v.strftime("%Y-%m-%d")
    return repr(v)


def main(path):
    with open(path, "rb") as f:  # a file object: openpyxl would refuse a name without .xlsx
        wb = openpyxl.load_workbook(f)
    print("sheets:", ", ".join(ws.title for ws in wb.worksheets))
    for ws in wb.worksheets:
        print("== %s (%d rows, %d columns)" % (ws.title, ws.max_row, ws.max_column))
        print("frozen:", ws.freeze_panes, "filter:", ws.auto_filter.ref)
        widths = ["%s=%g" % (k, d.width) for k, d in sorted(ws.column_dimensions.items())
                  if d.width]
        print("widths:", " ".join(widths))
        for rng, rules in ws.conditional_formatting._cf_rules.items():
            for rule in rules:
                print("conditional:", rng.sqref, rule.type)
        for row in ws.iter_rows():
            for c in row:
                if c.value is None:
                    continue
                fmt = "" if c.number_format == "General" else " [%s]" % c.number_format
                bold = " bold" if c.font and c.font.b else ""
                print("%s %s%s%s %s" % (c.coordinate, kind(c), fmt, bold, show(c.value)))


if __name__ == "__main__":
    main(sys.argv[1])
