// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.streaming.runtime.partitioner;

/**
 * Stand-in for Flink's KeyGroupStreamPartitioner (keyBy): a record's key
 * group decides its consumer subtask. hotWeight of every (hotWeight + 1)
 * key groups belong to the last subtask, the rest are spread over the
 * others: with 2 consumers and hotWeight 3, subtask 2/2 gets 3x the records
 * of 1/2 (a hot key range -- key skew).
 */
public final class KeyGroupStreamPartitioner {
    private final int numberOfChannels;
    private final int hotWeight;

    public KeyGroupStreamPartitioner(int numberOfChannels, int hotWeight) {
        this.numberOfChannels = numberOfChannels;
        this.hotWeight = hotWeight;
    }

    public int selectChannel(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        int keyGroup = (int) ((h >>> 40) % (hotWeight + numberOfChannels - 1));
        return keyGroup < numberOfChannels - 1 ? keyGroup : numberOfChannels - 1;
    }
}
