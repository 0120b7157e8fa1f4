// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.streaming.runtime.streamrecord;

/** Stand-in for Flink's StreamRecord: a reusable value + timestamp holder. */
public final class StreamRecord<T> {
    private T value;
    private long timestamp;

    public StreamRecord(T value, long timestamp) {
        this.value = value;
        this.timestamp = timestamp;
    }

    public T getValue() {
        return value;
    }

    public long getTimestamp() {
        return timestamp;
    }

    @SuppressWarnings("unchecked")
    public <X> StreamRecord<X> replace(X element) {
        this.value = (T) element;
        return (StreamRecord<X>) this;
    }

    public <X> StreamRecord<X> replace(X element, long timestamp) {
        this.timestamp = timestamp;
        return replace(element);
    }
}
