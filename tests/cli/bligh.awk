# A constructed workload after Bligh's 2001 proposal: "pages allocated for
# packets in flight are likely to be intermingled with buffer pages, cache
# pages, code pages and data pages. Each of these different types of
# allocation has a different persistence over time."
#
# "if a system is taken to high utilization and back again to idle, the
# dispersion of persistent pages ... becomes great". Made for a 128 MiB
# machine (32768 pages, 64 pageblocks), 8000 steps of 100 us:
#   cache   one long-lived page a step (movable; lives to the end)
#   slab    one long-lived page every 10th step (unmovable)
#   net     packets: 0-4 a step plus a burst of 300 every 500 steps, order 0
#           or (30%) order 1 ("NFS packets with rsize,wsize>2048"),
#           unmovable, living 1-40 steps (bursts 50-150)
#   task1..task16  process pages (movable), `tasks` a step (default 4)
#           from random tasks, living tlo..thi steps (1000..3000): about
#           8000 in flight, so memory is half used at the peak
# then every short-lived page is freed and the long-lived ones (8800
# pages, 18 pageblocks' worth) stay. Keys are given with key=NAME.
# Randomness is a Park-Miller generator in exact double arithmetic, so
# every awk prints the same trace.
# Usage: awk -f bligh.awk [-v seed=N] [-v tasks=N -v tlo=STEPS -v thi=STEPS]
function rnd(n) { x = (x * 16807) % 2147483647; return x % n }
function ts(step) { return sprintf("%d.%06d", int(step / 10000), (step % 10000) * 100) }
# queue a free of id (order o) at step s
function later(s, id, o) { nf[s]++; fid[s, nf[s]] = id; ford[s, nf[s]] = o }
function alloc(step, key, o, mt) {
	id = next_id
	next_id += 2                            # identities aligned for order 1
	printf "%s A %d %d %s key=%s\n", ts(step), id, o, mt, key
	return id
}
BEGIN {
	x = seed ? seed : 12345
	if (tasks == "") tasks = 4
	if (tlo == "") tlo = 1000
	if (thi == "") thi = 3000
	print "# fragsim-native 1"
	print "# tests/cli/bligh.awk: long-lived cache and slab pages among short-lived packets and task pages"
	steps = 8000
	next_id = 2
	for (s = 0; s < steps; s++) {
		for (i = 1; i <= nf[s]; i++)
			printf "%s F %d %d\n", ts(s), fid[s, i], ford[s, i]
		alloc(s, "cache", 0, "movable")
		if (s % 10 == 0)
			alloc(s, "slab", 0, "unmovable")
		n = rnd(5)
		burst = s % 500 == 250
		if (burst)
			n += 300
		for (k = 0; k < n; k++) {
			o = rnd(10) < 3 ? 1 : 0
			id = alloc(s, "net", o, "unmovable")
			later(s + 1 + (burst && k >= n - 300 ? 50 + rnd(100) : rnd(40)), id, o)
		}
		for (k = 0; k < tasks; k++) {
			id = alloc(s, "task" (1 + rnd(16)), 0, "movable")
			later(s + tlo + rnd(thi - tlo), id, 0)
		}
	}
	# the short-lived pages still in flight go
	for (s = steps; s < steps + thi + 200; s++)
		for (i = 1; i <= nf[s]; i++)
			printf "%s F %d %d\n", ts(s), fid[s, i], ford[s, i]
}
