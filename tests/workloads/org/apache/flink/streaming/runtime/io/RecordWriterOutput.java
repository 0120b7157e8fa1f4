package org.apache.flink.streaming.runtime.io;

import org.apache.flink.streaming.api.operators.Output;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Stand-in for Flink's RecordWriterOutput: "serialises" records towards the
 * network. Here it folds them into a checksum; a later version can hand them
 * to a bounded buffer pool (LocalBufferPool) to model back-pressure.
 */
public final class RecordWriterOutput implements Output<StreamRecord<Long>> {
    private long serialized;

    @Override
    public void collect(StreamRecord<Long> record) {
        serialized = serialized * 31 + record.getValue() + record.getTimestamp();
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
