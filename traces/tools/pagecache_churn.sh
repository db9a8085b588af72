#!/bin/bash
# pagecache_churn.sh [DIR] [MIB] [FILES]: page-cache churn for traces/capture.sh (root).
# Writes FILES files of MIB MiB with dd (fsync'd), drops the page cache, reads them back with dd,
# deletes them and drops the page cache again. Defaults: /var/tmp/fragsim_pagecache, 128, 3.
set -eu
D=${1:-/var/tmp/fragsim_pagecache}; MIB=${2:-128}; N=${3:-3}
mkdir -p "$D"
for i in $(seq "$N"); do dd if=/dev/urandom of="$D/f$i" bs=1M count="$MIB" conv=fsync status=none; done
sync; echo 1 >/proc/sys/vm/drop_caches
for i in $(seq "$N"); do dd if="$D/f$i" of=/dev/null bs=1M status=none; done
rm -rf "$D"
sync; echo 1 >/proc/sys/vm/drop_caches
echo "wrote, dropped, read back and deleted $N x $MIB MiB in $D"
