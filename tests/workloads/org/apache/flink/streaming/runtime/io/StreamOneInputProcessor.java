// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.streaming.runtime.io;

import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Stand-in for Flink's StreamOneInputProcessor: takes one record from the
 * input and pushes it into the head operator of the chain.
 */
public final class StreamOneInputProcessor {
    public static final int MORE_AVAILABLE = 0;
    public static final int NOTHING_AVAILABLE = 1;
    public static final int END_OF_INPUT = 2;

    private final StreamTaskInput input;
    private final OneInputStreamOperator<Long> headOperator;
    private final StreamRecord<Long> reuse = new StreamRecord<>(0L, 0L);
    private long numRecordsIn;
    private volatile long numRecordsInPublished;
    private final Runnable beforeIdle;

    public StreamOneInputProcessor(StreamTaskInput input, OneInputStreamOperator<Long> headOperator) {
        this(input, headOperator, null);
    }

    /** beforeIdle runs when the input has nothing available, before the task waits (e.g. flush outputs). */
    public StreamOneInputProcessor(StreamTaskInput input, OneInputStreamOperator<Long> headOperator,
                                   Runnable beforeIdle) {
        this.input = input;
        this.headOperator = headOperator;
        this.beforeIdle = beforeIdle;
    }

    public int processInput() throws Exception {
        int status = input.pollNext(reuse);
        if (status == MORE_AVAILABLE) {
            headOperator.processElement(reuse);
            numRecordsIn++;
        }
        return status;
    }

    public long availableAtNanos() {
        return input.availableAtNanos();
    }

    /** Makes numRecordsIn visible to the metrics (truth) thread. */
    public void publishMetrics() {
        numRecordsInPublished = numRecordsIn;
    }

    /** Nothing available: publish metrics and run the beforeIdle action. */
    public void prepareIdle() {
        publishMetrics();
        if (beforeIdle != null) {
            beforeIdle.run();
        }
    }

    public long getNumRecordsIn() {
        return numRecordsInPublished;
    }
}
