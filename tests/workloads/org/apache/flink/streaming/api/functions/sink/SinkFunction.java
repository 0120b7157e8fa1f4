// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.streaming.api.functions.sink;

/** Stand-in for Flink's SinkFunction. */
public interface SinkFunction<IN> {
    void invoke(IN value) throws Exception;
}
