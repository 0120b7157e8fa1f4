// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.streaming.runtime.io;

import org.apache.flink.core.memory.MemorySegment;
import org.apache.flink.runtime.io.network.buffer.LocalBufferPool;
import org.apache.flink.runtime.io.network.partition.consumer.SingleInputGate;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Stand-in for Flink's StreamTaskNetworkInput: deserialises records from the
 * buffers of an input gate and recycles each buffer to its producer's pool
 * once read (which may wake a back-pressured producer).
 */
public final class StreamTaskNetworkInput implements StreamTaskInput {
    private final SingleInputGate inputGate;
    private MemorySegment current;
    private int position;
    private long timestamp;

    public StreamTaskNetworkInput(SingleInputGate inputGate) {
        this.inputGate = inputGate;
    }

    @Override
    public int pollNext(StreamRecord<Long> reuse) {
        if (current == null) {
            current = inputGate.pollNext();
            position = 0;
            if (current == null) {
                return StreamOneInputProcessor.NOTHING_AVAILABLE;
            }
        }
        reuse.replace(current.get(position++), timestamp++);
        if (position >= current.size()) {
            MemorySegment done = current;
            current = null;
            ((LocalBufferPool) done.getOwner()).recycle(done);
        }
        return StreamOneInputProcessor.MORE_AVAILABLE;
    }

    @Override
    public long availableAtNanos() {
        return -1; // the input gate puts a mail when a buffer arrives
    }
}
