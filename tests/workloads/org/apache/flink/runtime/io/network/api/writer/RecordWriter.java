// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.runtime.io.network.api.writer;

import org.apache.flink.core.memory.MemorySegment;
import org.apache.flink.runtime.io.network.buffer.LocalBufferPool;
import org.apache.flink.runtime.io.network.partition.consumer.SingleInputGate;
import org.apache.flink.streaming.runtime.partitioner.KeyGroupStreamPartitioner;

/**
 * Stand-in for Flink's RecordWriter (with its result partition): serialises
 * records into one buffer per consumer channel, requested from the bounded
 * LocalBufferPool; full buffers go to the consumer's input gate.
 */
public final class RecordWriter {
    private final LocalBufferPool bufferPool;
    private final SingleInputGate[] channels;
    private final KeyGroupStreamPartitioner partitioner;
    private final MemorySegment[] current;

    public RecordWriter(LocalBufferPool bufferPool, SingleInputGate[] channels, KeyGroupStreamPartitioner partitioner) {
        this.bufferPool = bufferPool;
        this.channels = channels;
        this.partitioner = partitioner;
        this.current = new MemorySegment[channels.length];
    }

    public void emit(long record) throws InterruptedException {
        int channel = partitioner.selectChannel(record);
        MemorySegment segment = current[channel];
        if (segment == null) {
            segment = bufferPool.requestBufferBuilderBlocking();
            current[channel] = segment;
        }
        if (segment.append(record)) {
            current[channel] = null;
            channels[channel].onBuffer(segment);
        }
    }

    /** Hands over every partly filled buffer (Flink: flushAll, by the output flusher or at idle). */
    public void flushAll() {
        for (int i = 0; i < current.length; i++) {
            MemorySegment segment = current[i];
            if (segment != null && segment.size() > 0) {
                current[i] = null;
                channels[i].onBuffer(segment);
            }
        }
    }
}
