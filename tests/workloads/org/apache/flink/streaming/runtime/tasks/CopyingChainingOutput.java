// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.streaming.runtime.tasks;

import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Stand-in for Flink's CopyingChainingOutput (object reuse off): copies the
 * record in pushToOperator before the next operator's processElement.
 */
public final class CopyingChainingOutput<T> extends ChainingOutput<T> {
    public CopyingChainingOutput(OneInputStreamOperator<T> input) {
        super(input);
    }

    @Override
    public void collect(StreamRecord<T> record) {
        pushToOperator(record);
    }

    @Override
    protected void pushToOperator(StreamRecord<T> record) {
        // Flink: castRecord.copy(serializer.copy(castRecord.getValue())).
        StreamRecord<T> copy = new StreamRecord<>(record.getValue(), record.getTimestamp());
        try {
            input.processElement(copy);
        } catch (Exception e) {
            throw new IllegalStateException("chained operator failed", e);
        }
    }
}
