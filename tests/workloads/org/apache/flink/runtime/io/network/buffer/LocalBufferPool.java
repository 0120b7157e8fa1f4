// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.runtime.io.network.buffer;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.flink.core.memory.MemorySegment;
import tmprof.workload.WaitClock;

/**
 * Stand-in for Flink's LocalBufferPool: the bounded set of network buffers of
 * one result partition (one producing subtask). A writer that finds no free
 * segment blocks in requestMemorySegmentBlocking() until a consumer recycles
 * one -- as in Flink, by waiting on the pool's availability future
 * (CompletableFuture.get -> LockSupport.park). That wait is back-pressure.
 *
 * The time spent blocked there is added to the thread's WaitClock as
 * "backpressured", up to the moment recycle() completed the future (the
 * waiter's wakeup; see WaitClock).
 */
public final class LocalBufferPool {
    /** The availability future, stamped with the time it was completed. */
    private static final class AvailabilityFuture extends CompletableFuture<Void> {
        volatile long completedAtNanos;
    }

    private final ArrayDeque<MemorySegment> availableMemorySegments = new ArrayDeque<>();
    private final int numberOfSegments;
    private AvailabilityFuture availability; // guarded by availableMemorySegments; null: available

    public LocalBufferPool(int numberOfSegments, int segmentSize) {
        this.numberOfSegments = numberOfSegments;
        for (int i = 0; i < numberOfSegments; i++) {
            availableMemorySegments.add(new MemorySegment(segmentSize, this));
        }
    }

    public int getNumBuffers() {
        return numberOfSegments;
    }

    /** Flink: the buffer builder for a new network buffer; blocks while the pool is exhausted. */
    public MemorySegment requestBufferBuilderBlocking() throws InterruptedException {
        return requestMemorySegmentBlocking();
    }

    /** Blocks until a segment is free. */
    public MemorySegment requestMemorySegmentBlocking() throws InterruptedException {
        while (true) {
            AvailabilityFuture future;
            synchronized (availableMemorySegments) {
                MemorySegment segment = availableMemorySegments.pollFirst();
                if (segment != null) {
                    return segment;
                }
                if (availability == null) {
                    availability = new AvailabilityFuture();
                }
                future = availability;
            }
            long start = System.nanoTime();
            try {
                future.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException(e);
            }
            long end = System.nanoTime();
            WaitClock.current().add(WaitClock.BACKPRESSURED, start, future.completedAtNanos, end);
        }
    }

    /** Returns a segment (called by the consumer once it has read it); wakes a blocked writer. */
    public void recycle(MemorySegment segment) {
        AvailabilityFuture toComplete;
        segment.clear();
        synchronized (availableMemorySegments) {
            availableMemorySegments.addLast(segment);
            toComplete = availability;
            availability = null;
        }
        if (toComplete != null) {
            toComplete.completedAtNanos = System.nanoTime();
            toComplete.complete(null);
        }
    }
}
