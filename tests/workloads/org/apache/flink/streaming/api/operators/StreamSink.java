// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.streaming.api.operators;

import org.apache.flink.streaming.api.functions.sink.SinkFunction;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/** Stand-in for Flink's StreamSink operator: calls the user's SinkFunction. */
public final class StreamSink<IN> implements OneInputStreamOperator<IN> {
    private final SinkFunction<IN> userFunction;

    public StreamSink(SinkFunction<IN> userFunction) {
        this.userFunction = userFunction;
    }

    @Override
    public void processElement(StreamRecord<IN> element) throws Exception {
        userFunction.invoke(element.getValue());
    }
}
