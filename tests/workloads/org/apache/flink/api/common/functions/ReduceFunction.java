// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.api.common.functions;

/** Stand-in for Flink's ReduceFunction (user code). */
public interface ReduceFunction<T> {
    T reduce(T value1, T value2) throws Exception;
}
