// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.streaming.api.operators;

/** Stand-in for Flink's Output (collector to the next operator or the network). */
public interface Output<T> {
    void collect(T record);
}
