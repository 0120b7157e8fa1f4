// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.streaming.api.operators;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/** Stand-in for Flink's StreamMap operator: calls the user's MapFunction. */
public final class StreamMap<IN, OUT> implements OneInputStreamOperator<IN> {
    private final MapFunction<IN, OUT> userFunction;
    private final Output<StreamRecord<OUT>> output;

    public StreamMap(MapFunction<IN, OUT> userFunction, Output<StreamRecord<OUT>> output) {
        this.userFunction = userFunction;
        this.output = output;
    }

    @Override
    public void processElement(StreamRecord<IN> element) throws Exception {
        output.collect(element.replace(userFunction.map(element.getValue())));
    }
}
