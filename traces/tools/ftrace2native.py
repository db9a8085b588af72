#!/usr/bin/env python3
"""Convert ftrace text (as `cat /sys/kernel/tracing/trace_pipe` prints it)
into fragsim's native trace format (traces/FORMAT.md, version 1).

    ftrace2native.py [--from SEC] [--to SEC] [--t0 SEC] [-o OUT] [INPUT]

INPUT is a trace_pipe text file ("-" or nothing: stdin). A name ending in
.zst is read through `zstd -dc --long=27` (the zstd program must be on PATH),
a name ending in .gz or .xz through the Python modules, e.g.

    ftrace2native.py --from 1030 --to 1032 -o out.trace trace_pipe.txt.zst

Conversion rules
  mm_page_alloc, pfn != 0  ->  TIME A PFN ORDER MIGRATETYPE key=COMM cpu=N
  mm_page_alloc, pfn == 0  ->  skipped (a failed allocation), counted
  mm_page_free             ->  TIME F PFN ORDER cpu=N
  mm_page_free_batched     ->  skipped: on Linux 6.x it repeats the
                               mm_page_free just before it for the same pfn
                               (and always says order=0); counted, and checked
  anything else            ->  skipped, counted per event name
                               (pcpu_drain, zone_locked, extfrag, compaction,
                               tracing_mark_write markers, ...)

TIME is the event timestamp minus --t0 (default: the timestamp of the first
converted event), printed with 6 decimals (trace_pipe has microseconds).
--from/--to select events by their absolute trace timestamp: from <= ts < to.
Migrate types are named for a kernel without CMA (Linux 6.18 x86_64 here):
0 unmovable, 1 movable, 2 reclaimable, 3 highatomic, 4 isolate.
COMM is the task name before "-PID" (the pid is the digits after the last
dash before the [cpu] field); whitespace and '#' in it become '_'.

Counts of converted and skipped events go into the header comment block and
to stderr. Python 3 standard library only.
"""

import argparse
import collections
import io
import re
import subprocess
import sys

# comm-pid [cpu] flags ts: event: fields
# The comm is right-aligned in 16 columns and may contain spaces, dashes,
# slashes, colons. The lazy comm group stops at the first "-DIGITS [CPU]"
# that is followed by a timestamp and an event name, i.e. at the dash right
# before the pid. An optional "(tgid)" column (options/record-tgid) and an
# optional flags column (options/irq-info) are accepted.
LINE_RE = re.compile(
    r'^\s*(?P<comm>.*?)-(?P<pid>\d+)\s+'
    r'(?:\(\s*[-\d]+\)\s+)?'
    r'\[(?P<cpu>\d+)\]\s+'
    r'(?:(?P<flags>[^\s:]+)\s+)?'
    r'(?P<ts>\d+)\.(?P<frac>\d+):\s+'
    r'(?P<event>[\w:.-]+):\s?(?P<rest>.*)$')

FIELD_RE = re.compile(r'(\w+)=(\S*)')

MIGRATETYPES = {0: 'unmovable', 1: 'movable', 2: 'reclaimable',
                3: 'highatomic', 4: 'isolate'}


class ConvertError(Exception):
    pass


def parse_ts_us(sec_s, frac_s):
    """'1027', '238302' -> integer microseconds (exact, no float)."""
    frac_s = (frac_s + '000000')[:6]
    return int(sec_s) * 1000000 + int(frac_s)


def parse_sec_arg(s):
    """Command-line seconds ('1030', '1030.5', '1030.250000') -> microseconds."""
    s = s.strip()
    m = re.match(r'^(-?)(\d*)(?:\.(\d*))?$', s)
    if not m or (m.group(2) == '' and not m.group(3)):
        raise argparse.ArgumentTypeError('expected seconds, e.g. 1030.25, got %r' % s)
    whole = int(m.group(2) or '0')
    frac = ((m.group(3) or '') + '000000')[:6]
    v = whole * 1000000 + int(frac)
    return -v if m.group(1) else v


def fmt_us(us):
    sign = '-' if us < 0 else ''
    us = abs(us)
    return '%s%d.%06d' % (sign, us // 1000000, us % 1000000)


def clean_comm(comm):
    comm = comm.strip()
    return re.sub(r'[\s#]', '_', comm) if comm else '<unknown>'


def fields_of(rest):
    return dict(FIELD_RE.findall(rest))


def convert(lines, source, t_from=None, t_to=None, t0=None):
    """Returns (output_lines, stats). Raises ConvertError on malformed input."""
    out = []
    c = collections.Counter()           # converted / skipped counts
    skipped_events = collections.Counter()
    alloc_orders = collections.Counter()
    free_orders = collections.Counter()
    alloc_mt = collections.Counter()
    # free_batched check: per cpu, pfn -> order of mm_page_free events not
    # yet repeated by a free_batched
    pending_free = collections.defaultdict(dict)
    pending_any = {}                    # pfn -> cpu, across CPUs
    first_ts = last_ts = None
    min_pfn = max_pfn = None
    t0_us = t0

    for lineno, raw in enumerate(lines, 1):
        line = raw.rstrip('\r\n')
        if not line.strip():
            continue
        if line.startswith('#'):        # `cat trace` style header lines
            c['header_lines'] += 1
            continue
        m = LINE_RE.match(line)
        if not m:
            if line.startswith('CPU:') and 'LOST' in line:
                raise ConvertError('%s:%d: lost events in the trace: %s' % (source, lineno, line.strip()))
            raise ConvertError('%s:%d: not an ftrace event line: %r' % (source, lineno, line[:200]))
        ts = parse_ts_us(m.group('ts'), m.group('frac'))
        if t_from is not None and ts < t_from:
            continue
        if t_to is not None and ts >= t_to:
            continue
        c['lines_in_window'] += 1
        if first_ts is None:
            first_ts = ts
        elif ts < last_ts:
            c['time_regressions'] += 1      # trace_pipe merges CPUs in time order
        last_ts = ts
        ev = m.group('event')
        cpu = int(m.group('cpu'))

        if ev in ('mm_page_alloc', 'mm_page_free', 'mm_page_free_batched'):
            f = fields_of(m.group('rest'))
            try:
                pfn = int(f['pfn'], 16)
                order = int(f['order'])
            except (KeyError, ValueError):
                raise ConvertError('%s:%d: %s without a valid pfn=/order=: %r'
                                   % (source, lineno, ev, line[:200]))
            if ev == 'mm_page_alloc':
                if pfn == 0:
                    c['alloc_failed_skipped'] += 1
                    continue
                try:
                    mtn = int(f['migratetype'])
                    mt = MIGRATETYPES[mtn]
                except (KeyError, ValueError):
                    raise ConvertError('%s:%d: mm_page_alloc with unexpected migratetype: %r'
                                       % (source, lineno, line[:200]))
                if t0_us is None:
                    t0_us = ts
                if ts < t0_us:
                    raise ConvertError('%s:%d: event at %s is before --t0 %s'
                                       % (source, lineno, fmt_us(ts), fmt_us(t0_us)))
                out.append('%s A 0x%x %d %s key=%s cpu=%d'
                           % (fmt_us(ts - t0_us), pfn, order, mt,
                              clean_comm(m.group('comm')), cpu))
                c['alloc'] += 1
                alloc_orders[order] += 1
                alloc_mt[mt] += 1
                # a re-allocated pfn can no longer be the subject of a batched repeat
                pending_free[cpu].pop(pfn, None)
                pending_any.pop(pfn, None)
            elif ev == 'mm_page_free':
                if t0_us is None:
                    t0_us = ts
                if ts < t0_us:
                    raise ConvertError('%s:%d: event at %s is before --t0 %s'
                                       % (source, lineno, fmt_us(ts), fmt_us(t0_us)))
                out.append('%s F 0x%x %d cpu=%d' % (fmt_us(ts - t0_us), pfn, order, cpu))
                c['free'] += 1
                free_orders[order] += 1
                pending_free[cpu][pfn] = order
                pending_any[pfn] = cpu
            else:  # mm_page_free_batched
                c['free_batched_skipped'] += 1
                if pfn in pending_free[cpu]:
                    c['free_batched_dup_same_cpu'] += 1
                    if pending_free[cpu][pfn] != order:
                        c['free_batched_dup_order_differs'] += 1
                    del pending_free[cpu][pfn]
                    pending_any.pop(pfn, None)
                elif pfn in pending_any:
                    c['free_batched_dup_other_cpu'] += 1
                    del pending_free[pending_any.pop(pfn)][pfn]
                else:
                    c['free_batched_unmatched'] += 1
                continue
            if min_pfn is None or pfn < min_pfn:
                min_pfn = pfn
            end = pfn + (1 << order) - 1
            if max_pfn is None or end > max_pfn:
                max_pfn = end
        else:
            skipped_events[ev] += 1

    stats = {
        'counts': c, 'skipped_events': skipped_events,
        'alloc_orders': alloc_orders, 'free_orders': free_orders,
        'alloc_mt': alloc_mt, 'first_ts': first_ts, 'last_ts': last_ts,
        't0': t0_us, 'min_pfn': min_pfn, 'max_pfn': max_pfn,
    }
    return out, stats


def hist(counter):
    return ' '.join('%s:%d' % (k, counter[k]) for k in sorted(counter)) or '-'


def summary_lines(source, args, stats):
    c = stats['counts']
    sk = stats['skipped_events']
    win = '%s .. %s' % (fmt_us(args.t_from) if args.t_from is not None else 'start',
                        fmt_us(args.t_to) if args.t_to is not None else 'end')
    ls = [
        'source: %s' % source,
        'window: %s (absolute trace timestamps, from <= ts < to)' % win,
        'events in window: first %s, last %s; t0 = %s (TIME = ts - t0)' % (
            fmt_us(stats['first_ts']) if stats['first_ts'] is not None else '-',
            fmt_us(stats['last_ts']) if stats['last_ts'] is not None else '-',
            fmt_us(stats['t0']) if stats['t0'] is not None else '-'),
        'lines in window: %d (timestamps going backwards: %d)' % (
            c['lines_in_window'], c['time_regressions']),
        'converted: %d (alloc A %d, free F %d)' % (c['alloc'] + c['free'], c['alloc'], c['free']),
        'alloc orders: %s' % hist(stats['alloc_orders']),
        'alloc migratetypes: %s' % hist(stats['alloc_mt']),
        'free orders: %s' % hist(stats['free_orders']),
        'pfn range: %s .. %s' % (
            '0x%x' % stats['min_pfn'] if stats['min_pfn'] is not None else '-',
            '0x%x' % stats['max_pfn'] if stats['max_pfn'] is not None else '-'),
        'skipped: failed allocs (pfn=0x0) %d; mm_page_free_batched %d' % (
            c['alloc_failed_skipped'], c['free_batched_skipped']),
        '  free_batched preceded by mm_page_free of the same pfn: same cpu %d, other cpu %d, none %d'
        ' (order differs on same-cpu match: %d)' % (
            c['free_batched_dup_same_cpu'], c['free_batched_dup_other_cpu'],
            c['free_batched_unmatched'], c['free_batched_dup_order_differs']),
        'skipped other events: %s' % (
            ', '.join('%s %d' % (k, v) for k, v in sorted(sk.items(), key=lambda kv: (-kv[1], kv[0])))
            or 'none'),
    ]
    return ls


def main(argv=None):
    ap = argparse.ArgumentParser(
        description='Convert trace_pipe text (kmem:mm_page_alloc/mm_page_free) into '
                    'fragsim native trace format (traces/FORMAT.md).')
    ap.add_argument('input', nargs='?', default='-', help='trace_pipe text file (default: stdin)')
    ap.add_argument('-o', '--output', default='-', help='output file (default: stdout)')
    ap.add_argument('--from', dest='t_from', type=parse_sec_arg, default=None, metavar='SEC',
                    help='first absolute trace timestamp to convert (inclusive)')
    ap.add_argument('--to', dest='t_to', type=parse_sec_arg, default=None, metavar='SEC',
                    help='absolute trace timestamp to stop at (exclusive)')
    ap.add_argument('--t0', type=parse_sec_arg, default=None, metavar='SEC',
                    help='timestamp that becomes TIME 0 (default: first converted event)')
    ap.add_argument('--source', default=None,
                    help='source name to write in the header (default: the input path)')
    args = ap.parse_args(argv)
    if args.t_from is not None and args.t_to is not None and args.t_to <= args.t_from:
        ap.error('--to must be after --from')

    source = args.source or ('<stdin>' if args.input == '-' else args.input)
    proc = None
    try:
        if args.input == '-':
            fin = sys.stdin
        elif args.input.endswith('.zst'):
            proc = subprocess.Popen(['zstd', '-dc', '--long=27', args.input],
                                    stdout=subprocess.PIPE)
            fin = io.TextIOWrapper(proc.stdout, encoding='utf-8', errors='replace')
        elif args.input.endswith('.gz'):
            import gzip
            fin = gzip.open(args.input, 'rt', encoding='utf-8', errors='replace')
        elif args.input.endswith('.xz'):
            import lzma
            fin = lzma.open(args.input, 'rt', encoding='utf-8', errors='replace')
        else:
            fin = open(args.input, 'r', encoding='utf-8', errors='replace')
    except OSError as e:
        print('ftrace2native: %s: %s' % (args.input, e), file=sys.stderr)
        return 1
    try:
        out, stats = convert(fin, source, args.t_from, args.t_to, args.t0)
    except ConvertError as e:
        print('ftrace2native: %s' % e, file=sys.stderr)
        return 1
    finally:
        if fin is not sys.stdin:
            fin.close()
        if proc is not None:
            proc.wait()
    if proc is not None and proc.returncode != 0:
        print('ftrace2native: zstd -dc %s failed (exit %d)' % (args.input, proc.returncode),
              file=sys.stderr)
        return 1

    summ = summary_lines(source, args, stats)
    fout = sys.stdout if args.output == '-' else open(args.output, 'w', encoding='utf-8')
    try:
        fout.write('# fragsim-native 1\n')
        fout.write('# converted by traces/tools/ftrace2native.py from ftrace trace_pipe text\n')
        for s in summ:
            fout.write('# %s\n' % s)
        fout.write('# TIME OP PFN ORDER [MIGRATETYPE] [key=COMM] [cpu=N]\n')
        for s in out:
            fout.write(s)
            fout.write('\n')
    finally:
        if fout is not sys.stdout:
            fout.close()
    for s in summ:
        print('ftrace2native: %s' % s, file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())
