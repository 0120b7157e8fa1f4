// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.streaming.runtime.tasks;

import org.apache.flink.streaming.api.operators.Output;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Stand-in for Flink's BroadcastingOutputCollector: an operator with several
 * outputs (a chained operator and a network output, say) hands each record
 * to every one of them in turn.
 */
public final class BroadcastingOutputCollector<T> implements Output<StreamRecord<T>> {
    private final Output<StreamRecord<T>>[] outputs;

    @SafeVarargs
    public BroadcastingOutputCollector(Output<StreamRecord<T>>... outputs) {
        this.outputs = outputs;
    }

    @Override
    public void collect(StreamRecord<T> record) {
        for (Output<StreamRecord<T>> output : outputs) {
            output.collect(record);
        }
    }
}
