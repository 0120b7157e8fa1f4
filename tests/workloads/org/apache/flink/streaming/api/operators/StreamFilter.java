// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.streaming.api.operators;

import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/** Stand-in for Flink's StreamFilter operator: forwards what the user's FilterFunction keeps. */
public final class StreamFilter<IN> implements OneInputStreamOperator<IN> {
    private final FilterFunction<IN> userFunction;
    private final Output<StreamRecord<IN>> output;

    public StreamFilter(FilterFunction<IN> userFunction, Output<StreamRecord<IN>> output) {
        this.userFunction = userFunction;
        this.output = output;
    }

    @Override
    public void processElement(StreamRecord<IN> element) throws Exception {
        if (userFunction.filter(element.getValue())) {
            output.collect(element);
        }
    }
}
