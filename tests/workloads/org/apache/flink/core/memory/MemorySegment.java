// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.core.memory;

/**
 * Stand-in for Flink's MemorySegment (a network buffer): a fixed number of
 * serialised records (here: longs), owned by the buffer pool it returns to.
 */
public final class MemorySegment {
    private final long[] data;
    private final Object owner;
    private int size;

    public MemorySegment(int capacity, Object owner) {
        this.data = new long[capacity];
        this.owner = owner;
    }

    public Object getOwner() {
        return owner;
    }

    public boolean append(long value) {
        data[size++] = value;
        return size == data.length;
    }

    public long get(int i) {
        return data[i];
    }

    public int size() {
        return size;
    }

    public void clear() {
        size = 0;
    }
}
