// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.api.common.functions;

/** Stand-in for Flink's MapFunction (user code). */
public interface MapFunction<T, O> {
    O map(T value) throws Exception;
}
