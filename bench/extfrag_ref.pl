#!/usr/bin/perl
# extfrag_ref.pl - the reference a `fragsim extfrag` speed target is set
# against (issue #3: "at least 20x faster than a Perl/regex line parser on
# the same log"): a lean, correct-enough Perl parser of ftrace text in the
# style of the popular extfrag scripts. One regex for the line's prefix
# (task-pid, optional tgid, [cpu], optional irq flags, timestamp, event),
# one for the fields of mm_page_alloc_extfrag lines; counts events,
# fragmenting ones (fallback_order < pageblock_order, recomputed), ownership
# changes and the requested x fallback type matrix. Usage: extfrag_ref.pl LOG
use strict;
use warnings;

my ($lines, $other, $events, $frag, $own) = (0, 0, 0, 0, 0);
my %matrix;
while (my $l = <>) {
	$lines++;
	next if $l =~ /^#/;
	next unless $l =~ /^\s*(.+)-(\d+)\s+(?:\(\s*[-\d]+\)\s+)?\[(\d+)\]\s+(?:\S{4,5}\s+)?(\d+\.\d+):\s+([\w:]+):\s*(.*)$/;
	my ($event, $rest) = ($5, $6);
	if ($event ne 'mm_page_alloc_extfrag') {
		$other++;
		next;
	}
	next unless $rest =~ /alloc_order=(-?\d+) fallback_order=(-?\d+) pageblock_order=(\d+) alloc_migratetype=(\d+) fallback_migratetype=(\d+) fragmenting=\d+ change_ownership=(\d+)/;
	$events++;
	$frag++ if $2 < $3;
	$own++ if $6;
	$matrix{"$4,$5"}++;
}
print "lines=$lines other=$other events=$events fragmenting=$frag change_ownership=$own\n";
print "$_=$matrix{$_}\n" for sort keys %matrix;
