// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.api.common.functions;

/** Stand-in for Flink's FilterFunction (user code). */
public interface FilterFunction<T> {
    boolean filter(T value) throws Exception;
}
