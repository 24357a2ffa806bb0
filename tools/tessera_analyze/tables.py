"""Text and CSV tables for `summary` and `compare`."""
import csv
import io


def fmt(value):
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def text_table(rows, title):
    if not rows:
        return f"{title}: none\n"
    cols = list(rows[0].keys())
    cells = [[fmt(r[c]) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    out = [title, "  ".join(c.rjust(w) for c, w in zip(cols, widths))]
    out += ["  ".join(v.rjust(w) for v, w in zip(row, widths)) for row in cells]
    return "\n".join(out) + "\n"


def csv_table(rows):
    buf = io.StringIO()
    if rows:
        w = csv.DictWriter(buf, fieldnames=list(rows[0].keys()), lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: fmt(v) if isinstance(v, float) else v for k, v in r.items()})
    return buf.getvalue()
