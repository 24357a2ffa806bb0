"""The `tessera-analyze` command line: one subcommand per analysis; each takes the HDF5 file and
`-o/--output` for what it writes. Exit status: 0 ok, 2 bad input (as `tessera`)."""
import argparse
import os
import sys

from . import chrome_trace, compare, plots, tables
from .run_file import AnalyzeError, Run, collective_table, npu_table, parse_npus, parse_time

EPILOG = "File layout: docs/hdf5-layout.md. Times: a number with ps/ns/us/ms/s (bare = us)."
# One example per subcommand, on the README's run (tessera run configs/scenarios/default.yaml --output run.h5).
EXAMPLES = {
    None: "tessera-analyze summary run.h5\n  tessera-analyze timeline run.h5 --start 389.1ms --end 389.45ms",
    "summary": "tessera-analyze summary run.h5 --by collective --csv -o collectives.csv",
    "timeline": "tessera-analyze timeline run.h5 --start 389.1ms --end 389.45ms -o allreduce.png",
    "links": "tessera-analyze links run.h5 --start 389.1ms --end 389.45ms --top 16",
    "chrome-trace": "tessera-analyze chrome-trace run.h5 --links -o run.json   # open in https://ui.perfetto.dev",
    "compare": "tessera-analyze compare base.h5 changed.h5 --by npu",
}


def _epilog(command):
    return f"{EPILOG}\n\nExample{'s' if command is None else ''}:\n  {EXAMPLES[command]}"


def _size(text):
    try:
        w, h = (int(x) for x in text.lower().split("x"))
        if w < 100 or h < 100 or w > 20000 or h > 20000:
            raise ValueError
        return w, h
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad size {text!r}: write WIDTHxHEIGHT in pixels, 100..20000, e.g. 1600x900")


def _default_output(path, suffix):
    stem = path[:-3] if path.endswith(".h5") else path
    return stem + suffix


def _window(run, args):
    start = parse_time(args.start) if args.start else 0
    end = parse_time(args.end) if args.end else run.end_time_ps
    if end <= start:
        raise AnalyzeError(f"empty time window: --end ({end} ps) must be after --start ({start} ps)")
    return start, end


def _npus(run, args, limit):
    if args.npus:
        return parse_npus(args.npus, run.num_npus)
    return list(range(min(run.num_npus, limit)))


def _write_text(text, output):
    if output in (None, "-"):
        sys.stdout.write(text)
    else:
        with open(output, "w", encoding="utf-8") as f:
            f.write(text)


def cmd_summary(args):
    run = Run(args.file)
    parts = []
    if args.csv:
        rows = npu_table(run) if args.by in ("npu", "all") else collective_table(run)
        if args.by == "all":
            raise AnalyzeError("--csv writes one table: add --by npu or --by collective")
        parts.append(tables.csv_table(rows))
    else:
        attrs = run.attributes()
        parts.append(f"{run.path}: {run.num_npus} NPUs, end time {run.end_time_ps / 1e6:.3f} us, "
                     f"tessera {attrs.get('tessera_version', '?')}\n")
        if args.by in ("npu", "all"):
            parts.append(tables.text_table(npu_table(run), "per NPU (times in us)"))
        if args.by in ("collective", "all"):
            parts.append(tables.text_table(collective_table(run), "per collective (times in us, bandwidths in GB/s)"))
    _write_text("\n".join(parts), args.output)


def cmd_timeline(args):
    run = Run(args.file)
    start, end = _window(run, args)
    npus = _npus(run, args, args.max_npus)
    output = args.output or _default_output(args.file, ".timeline.png")
    bars, note = plots.timeline(run, npus, start, end, args.size, output)
    unit = plots.time_unit(start, end)
    print(f"wrote {output}: {len(npus)} NPUs, {bars} intervals, "
          f"{plots.format_time(start, unit)}-{plots.format_time(end, unit)} {unit[1]}")
    if note:
        print(note)


def cmd_links(args):
    run = Run(args.file)
    start, end = _window(run, args)
    output = args.output or _default_output(args.file, ".links.png")
    data, note = plots.links(run, args.metric, args.top, start, end, args.size, output)
    print(f"wrote {output}: {data.shape[0]} links x {data.shape[1]} bins")
    if note:
        print(note)


def cmd_chrome_trace(args):
    run = Run(args.file)
    start, end = _window(run, args)
    npus = _npus(run, args, run.num_npus)
    output = args.output or _default_output(args.file, ".trace.json")
    evs = chrome_trace.write(run, npus, start, end, args.links, output)
    print(f"wrote {output}: {len(evs)} events (open in https://ui.perfetto.dev or chrome://tracing)")


def cmd_compare(args):
    a, b = Run(args.file), Run(args.other)
    if args.csv:
        if args.by == "all":
            raise AnalyzeError("--csv writes one table: add --by npu or --by collective")
        rows = compare.npu_rows(a, b) if args.by == "npu" else compare.collective_rows(a, b)
        _write_text(tables.csv_table(rows), args.output)
        return
    parts = [compare.headline(a, b)]
    if args.by in ("npu", "all"):
        parts.append(tables.text_table(compare.npu_rows(a, b), "per NPU (us; delta = B - A)"))
    if args.by in ("collective", "all"):
        parts.append(tables.text_table(compare.collective_rows(a, b), "per collective (us; delta = B - A)"))
    _write_text("\n".join(parts), args.output)


def parser():
    p = argparse.ArgumentParser(prog="tessera-analyze", description="Analyse Tessera HDF5 output "
                                "(tessera run ... --output FILE.h5).", epilog=_epilog(None),
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name, help_text, func):
        s = sub.add_parser(name, help=help_text, description=help_text, epilog=_epilog(name),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        s.add_argument("file", metavar="FILE.h5", help="a Tessera HDF5 output")
        s.set_defaults(func=func)
        return s

    def window(s):
        s.add_argument("--start", metavar="TIME", help="window start (default: 0)")
        s.add_argument("--end", metavar="TIME", help="window end (default: end of the run)")

    s = add("summary", "Per-NPU and per-collective tables.", cmd_summary)
    s.add_argument("-o", "--output", metavar="PATH", help="write here instead of stdout")
    s.add_argument("--by", choices=("all", "npu", "collective"), default="all", help="which table(s) (default: all)")
    s.add_argument("--csv", action="store_true", help="CSV instead of text (one table: needs --by)")

    s = add("timeline", "Gantt chart of NPUs over time, compute vs communication (PNG or SVG by extension).", cmd_timeline)
    s.add_argument("-o", "--output", metavar="PATH", help="image to write (default: FILE.timeline.png)")
    window(s)
    s.add_argument("--npus", metavar="LIST", help="NPUs to draw, e.g. 0-7,12 (default: the first --max-npus)")
    s.add_argument("--max-npus", type=int, default=64, metavar="N", help="NPUs drawn without --npus (default 64)")
    s.add_argument("--size", type=_size, default=(1600, 900), metavar="WxH", help="pixels (default 1600x900)")

    s = add("links", "Heatmap of link utilization over time (PNG or SVG by extension).", cmd_links)
    s.add_argument("-o", "--output", metavar="PATH", help="image to write (default: FILE.links.png)")
    window(s)
    s.add_argument("--metric", choices=("busy", "bytes"), default="busy", help="busy fraction (default) or bytes per bin")
    s.add_argument("--top", type=int, default=64, metavar="N", help="the N busiest links (default 64)")
    s.add_argument("--size", type=_size, default=(1600, 900), metavar="WxH", help="pixels (default 1600x900)")

    s = add("chrome-trace", "Chrome/Perfetto trace JSON of the timelines.", cmd_chrome_trace)
    s.add_argument("-o", "--output", metavar="PATH", help="JSON to write (default: FILE.trace.json)")
    window(s)
    s.add_argument("--npus", metavar="LIST", help="NPUs to include, e.g. 0-7,12 (default: all)")
    s.add_argument("--links", action="store_true", help="add link busy fractions as counter tracks")

    s = add("compare", "Two runs side by side: per-NPU and per-collective deltas (B - A).", cmd_compare)
    s.add_argument("other", metavar="OTHER.h5", help="run B (FILE.h5 is run A)")
    s.add_argument("-o", "--output", metavar="PATH", help="write here instead of stdout")
    s.add_argument("--by", choices=("all", "npu", "collective"), default="all", help="which table(s) (default: all)")
    s.add_argument("--csv", action="store_true", help="CSV instead of text (one table: needs --by)")
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        args.func(args)
    except AnalyzeError as e:
        print(f"tessera-analyze {args.command}: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"tessera-analyze {args.command}: error: {e.filename or ''}: {e.strerror}", file=sys.stderr)
        return 2
    return 0
