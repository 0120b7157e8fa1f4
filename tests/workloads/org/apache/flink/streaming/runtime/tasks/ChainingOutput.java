// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.streaming.runtime.tasks;

import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.Output;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Stand-in for Flink's ChainingOutput: how one operator of a chain hands a
 * record to the next on the same thread, collect -> pushToOperator ->
 * next operator's processElement (as in Flink 1.12+).
 */
public class ChainingOutput<T> implements Output<StreamRecord<T>> {
    protected final OneInputStreamOperator<T> input;

    public ChainingOutput(OneInputStreamOperator<T> input) {
        this.input = input;
    }

    @Override
    public void collect(StreamRecord<T> record) {
        pushToOperator(record);
    }

    protected void pushToOperator(StreamRecord<T> record) {
        try {
            input.processElement(record);
        } catch (Exception e) {
            throw new IllegalStateException("chained operator failed", e);
        }
    }
}
