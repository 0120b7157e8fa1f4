#!/bin/bash
# minimal first version
T=/opt/tmprof/tmprof
B=/opt/tmprof/bin
W=/tmp/w; mkdir -p $W
echo "KERNEL $(uname -r)"
$B/busy > $W/busy.out & BP=$!
sleep 1
t0=$(date +%s)
timeout 60 $T record -p $BP -e cpu -d 3 -o $W/cpu.folded > $W/cpu.out 2>$W/cpu.err; rc=$?
t1=$(date +%s)
echo "INFO cpu rc=$rc took $((t1-t0))s samples=$(awk '{n+=$NF} END {print n+0}' $W/cpu.folded 2>/dev/null)"
sed 's/^/INFO cpu.err: /' $W/cpu.err | head -20
head -3 $W/cpu.folded | cut -c1-300 | sed 's/^/INFO /'
kill $BP
echo DONE
