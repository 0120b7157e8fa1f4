// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.streaming.runtime.io;

import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/** Stand-in for Flink's StreamTaskInput: where a task's records come from. */
public interface StreamTaskInput {
    /** Fills reuse with the next record; a StreamOneInputProcessor status code. */
    int pollNext(StreamRecord<Long> reuse) throws Exception;

    /**
     * After NOTHING_AVAILABLE: the System.nanoTime() at which input is
     * available again, or -1 if unknown (the input then puts a mail into the
     * task's mailbox when it becomes available).
     */
    long availableAtNanos();
}
