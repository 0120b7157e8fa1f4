// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.streaming.runtime.io;

import org.apache.flink.runtime.io.network.api.writer.RecordWriter;
import org.apache.flink.streaming.api.operators.Output;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Stand-in for Flink's RecordWriterOutput: serialises records towards the
 * network. Without a RecordWriter it folds them into a checksum; with one
 * (the pipeline scenario) it writes them into network buffers from a bounded
 * LocalBufferPool, which blocks when the consumers are too slow (back-pressure).
 */
public final class RecordWriterOutput implements Output<StreamRecord<Long>> {
    private final RecordWriter recordWriter;
    private long serialized;

    public RecordWriterOutput() {
        this(null);
    }

    public RecordWriterOutput(RecordWriter recordWriter) {
        this.recordWriter = recordWriter;
    }

    @Override
    public void collect(StreamRecord<Long> record) {
        serialized = serialized * 31 + record.getValue() + record.getTimestamp();
        if (recordWriter != null) {
            try {
                recordWriter.emit(record.getValue());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a network buffer", e);
            }
        }
    }

    /** Hands partly filled buffers to the consumers. */
    public void flush() {
        if (recordWriter != null) {
            recordWriter.flushAll();
        }
    }

    public long getSerialized() {
        return serialized;
    }

    /**
     * Flink's OutputFlusher thread: flushes the output every bufferTimeout ms
     * (default 100 ms). It mostly sleeps.
     */
    public static final class OutputFlusher extends Thread {
        private final long timeoutMs;

        public OutputFlusher(String taskName, long timeoutMs) {
            super("OutputFlusher for " + taskName);
            this.timeoutMs = timeoutMs;
            setDaemon(true);
        }

        @Override
        public void run() {
            try {
                while (!isInterrupted()) {
                    Thread.sleep(timeoutMs);
                }
            } catch (InterruptedException ignored) {
                // shut down
            }
        }
    }
}
