// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.streaming.runtime.io;

import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import tmprof.workload.DutyCycle;

/**
 * Stand-in input: generates numbers while the task's duty cycle says input is
 * available (a burst), then reports NOTHING_AVAILABLE with the time at which
 * input becomes available again (the idle gap). Bursts and gaps have random
 * lengths (see DutyCycle), so a periodic sampler cannot alias with them.
 */
public final class StreamTaskSourceInput implements StreamTaskInput {
    private final DutyCycle dutyCycle;
    private long sequence;
    private long burstEndNanos;
    private long availableAtNanos;
    private boolean idle = true;
    private int untilClockCheck;

    public StreamTaskSourceInput(DutyCycle dutyCycle, long firstValue) {
        this.dutyCycle = dutyCycle;
        this.sequence = firstValue;
        this.availableAtNanos = System.nanoTime();
    }

    @Override
    public int pollNext(StreamRecord<Long> reuse) {
        if (--untilClockCheck < 0) {
            untilClockCheck = 8;
            long now = System.nanoTime();
            if (idle) {
                idle = false;
                burstEndNanos = now + dutyCycle.nextBurstNanos();
            } else if (now >= burstEndNanos) {
                idle = true;
                untilClockCheck = 0;
                availableAtNanos = now + dutyCycle.nextIdleNanos();
                return StreamOneInputProcessor.NOTHING_AVAILABLE;
            }
        }
        long seq = sequence++;
        reuse.replace(seq * 0x9E3779B97F4A7C15L, seq);
        return StreamOneInputProcessor.MORE_AVAILABLE;
    }

    @Override
    public long availableAtNanos() {
        return availableAtNanos;
    }
}
