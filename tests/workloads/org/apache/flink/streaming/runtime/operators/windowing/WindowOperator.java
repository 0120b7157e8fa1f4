// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.streaming.runtime.operators.windowing;

import org.apache.flink.api.common.functions.ReduceFunction;
import org.apache.flink.streaming.api.functions.sink.SinkFunction;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Stand-in for Flink's WindowOperator with tumbling event-time windows and a
 * reduce function: per-key state, fired into the chained sink when the
 * watermark (here: the record timestamp) passes the window end.
 */
public final class WindowOperator implements OneInputStreamOperator<Long> {
    private static final int KEYS = 1024;
    private final ReduceFunction<Long> reduceFunction;
    private final SinkFunction<Long> sink;
    private final long windowSize;
    private final long[] state = new long[KEYS];
    private final boolean[] present = new boolean[KEYS];
    private long currentWindowEnd = Long.MIN_VALUE;

    public WindowOperator(ReduceFunction<Long> reduceFunction, SinkFunction<Long> sink, long windowSize) {
        this.reduceFunction = reduceFunction;
        this.sink = sink;
        this.windowSize = windowSize;
    }

    @Override
    public void processElement(StreamRecord<Long> element) throws Exception {
        long ts = element.getTimestamp();
        if (ts >= currentWindowEnd) {
            fireWindow();
            currentWindowEnd = ts - Math.floorMod(ts, windowSize) + windowSize;
        }
        long v = element.getValue();
        int key = (int) (v & (KEYS - 1));
        if (present[key]) {
            state[key] = reduceFunction.reduce(state[key], v);
        } else {
            state[key] = v;
            present[key] = true;
        }
    }

    private void fireWindow() throws Exception {
        for (int k = 0; k < KEYS; k++) {
            if (present[k]) {
                sink.invoke(state[k]);
                present[k] = false;
            }
        }
    }
}
