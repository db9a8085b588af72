# The proactive-compaction posting's fragmenter (Nitin Gupta, Linux 5.9):
# allocate all memory as movable order-0 pages, then free 3 of every 4
# pages of each block of 4 (the one kept is picked by a fixed LCG, the same
# in every awk), then stay idle for 3 s of simulated time with a page
# allocated every 100 ms so that kcompactd's 500 ms timer gets to run.
# Usage: awk -v pages=65536 -f fragmenter.awk
function ts(us) { return sprintf("%d.%06d", int(us / 1000000), us % 1000000) }
BEGIN {
	if (!pages) pages = 65536
	print "# fragsim-native 1"
	for (i = 0; i < pages; i++)
		printf "%s A %d 0 movable\n", ts(i), i
	seed = 12345
	t = pages
	for (g = 0; g < pages; g += 4) {
		seed = (seed * 1103515245 + 12345) % 2147483648
		keep = int(seed / 65536) % 4
		for (j = 0; j < 4; j++)
			if (j != keep)
				printf "%s F %d 0\n", ts(t++), g + j
	}
	for (s = 1; s <= 30; s++)
		printf "%s A %d 0 unmovable\n", ts(t + s * 100000), 1000000 + s
}
