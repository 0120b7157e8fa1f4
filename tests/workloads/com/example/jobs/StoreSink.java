// SPDX-License-Identifier: GPL-2.0
package com.example.jobs;

import java.io.IOException;
import org.apache.flink.streaming.api.functions.sink.SinkFunction;
import tmprof.workload.StoreDevice;

/**
 * User code of the "Store" sink: buffers aggregates and, at most every
 * flushIntervalMs, writes them to an external store synchronously (a
 * blocking round trip to a StoreDevice).
 */
public final class StoreSink implements SinkFunction<Long> {
    private final StoreDevice store;
    private final long flushIntervalNanos;
    private long pending;
    private long count;
    private long lastFlushNanos = System.nanoTime();

    public StoreSink(StoreDevice store, double flushIntervalMs) {
        this.store = store;
        this.flushIntervalNanos = (long) (flushIntervalMs * 1e6);
    }

    @Override
    public void invoke(Long value) throws IOException {
        pending = pending * 31 + value;
        if ((++count & 63) == 0) {
            long now = System.nanoTime();
            if (now - lastFlushNanos >= flushIntervalNanos) {
                flush();
                lastFlushNanos = System.nanoTime();
            }
        }
    }

    private void flush() throws IOException {
        store.call(pending);
        pending = 0;
    }
}
