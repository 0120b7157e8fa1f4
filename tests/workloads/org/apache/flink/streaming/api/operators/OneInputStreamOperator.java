// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.streaming.api.operators;

import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/** Stand-in for Flink's OneInputStreamOperator. */
public interface OneInputStreamOperator<IN> {
    void processElement(StreamRecord<IN> element) throws Exception;
}
