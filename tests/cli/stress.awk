# A constructed stress for mobility grouping: fill a 64 MiB machine with
# order-0 pages, every 16th a long-lived UNMOVABLE one interleaved with
# short-lived MOVABLE ones, then free every movable page. Without grouping
# the unmovable pages end up scattered over every pageblock; with grouping
# they are packed into a few claimed blocks. Usage: awk -f stress.awk
function ts(us) { return sprintf("%d.%06d", int(us / 1000000), us % 1000000) }
BEGIN {
	print "# fragsim-native 1"
	n = 15000
	for (i = 0; i < n; i++)
		printf "%s A %d 0 %s\n", ts(i), i, (i % 16 == 0) ? "unmovable" : "movable"
	for (i = 0; i < n; i++)
		if (i % 16 != 0)
			printf "%s F %d 0\n", ts(n + i), i
}
