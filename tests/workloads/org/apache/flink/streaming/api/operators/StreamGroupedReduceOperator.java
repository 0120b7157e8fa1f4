// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.streaming.api.operators;

import org.apache.flink.api.common.functions.ReduceFunction;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Stand-in for Flink's StreamGroupedReduceOperator (keyBy().reduce(), shown
 * as "Keyed Aggregation"): per-key state combined with the user's
 * ReduceFunction, each new aggregate forwarded to the chained operator.
 */
public final class StreamGroupedReduceOperator implements OneInputStreamOperator<Long> {
    private static final int KEYS = 4096;
    private final ReduceFunction<Long> userFunction;
    private final OneInputStreamOperator<Long> next;
    private final long[] state = new long[KEYS];

    public StreamGroupedReduceOperator(ReduceFunction<Long> userFunction, OneInputStreamOperator<Long> next) {
        this.userFunction = userFunction;
        this.next = next;
    }

    @Override
    public void processElement(StreamRecord<Long> element) throws Exception {
        long v = element.getValue();
        int key = (int) ((v >>> 20) & (KEYS - 1));
        long aggregate = userFunction.reduce(state[key], v);
        state[key] = aggregate;
        next.processElement(element.replace(aggregate));
    }
}
