// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.runtime.io.network.partition.consumer;

import java.util.ArrayDeque;
import org.apache.flink.core.memory.MemorySegment;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailboxImpl;

/**
 * Stand-in for Flink's SingleInputGate: the buffers queued for one consuming
 * subtask, from all producing subtasks. When the consumer found it empty, the
 * next buffer puts an "input available" mail into the consumer's mailbox
 * (where the consumer waits, idle, in TaskMailboxImpl.take).
 */
public final class SingleInputGate {
    private static final Runnable INPUT_AVAILABLE = () -> { };

    private final ArrayDeque<MemorySegment> queue = new ArrayDeque<>();
    private boolean consumerWaiting; // guarded by queue
    private volatile TaskMailboxImpl mailbox;

    public void setMailbox(TaskMailboxImpl mailbox) {
        this.mailbox = mailbox;
    }

    /** A producer hands over a finished buffer. */
    public void onBuffer(MemorySegment segment) {
        boolean notify;
        synchronized (queue) {
            queue.addLast(segment);
            notify = consumerWaiting;
            consumerWaiting = false;
        }
        if (notify) {
            mailbox.put(INPUT_AVAILABLE);
        }
    }

    /** The next buffer, or null (then the consumer is notified through its mailbox). */
    public MemorySegment pollNext() {
        synchronized (queue) {
            MemorySegment s = queue.pollFirst();
            if (s == null) {
                consumerWaiting = true;
            }
            return s;
        }
    }
}
