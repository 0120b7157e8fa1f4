// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.streaming.runtime.tasks.mailbox;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import tmprof.workload.WaitClock;

/**
 * Stand-in for Flink's TaskMailboxImpl: a lock-protected queue of mails.
 * A task with nothing to do blocks in {@link #take} (Condition.await), which
 * is where an idle Flink task thread sits in a profile.
 *
 * The time a thread spends blocked in take() is added to its WaitClock as
 * "idle", up to the moment it was woken: the first put() after the thread
 * started waiting, or the deadline of a timed take (see WaitClock).
 */
public final class TaskMailboxImpl {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    private final Thread taskMailboxThread;
    /** Guarded by lock: a take() is blocked, and when the first put() since then signalled it. */
    private boolean waiting;
    private long wokenAtNanos;

    public TaskMailboxImpl(Thread taskMailboxThread) {
        this.taskMailboxThread = taskMailboxThread;
    }

    public void put(Runnable mail) {
        lock.lock();
        try {
            queue.addLast(mail);
            if (waiting && wokenAtNanos == 0) {
                wokenAtNanos = System.nanoTime();
            }
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Non-blocking: a mail or null. */
    public Runnable tryTake() {
        lock.lock();
        try {
            return queue.pollFirst();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Blocks until a mail arrives or System.nanoTime() reaches deadlineNanos
     * (the stand-in's "input becomes available again" event); null on timeout.
     */
    public Runnable take(long deadlineNanos) throws InterruptedException {
        lock.lockInterruptibly();
        long start = 0;
        try {
            Runnable mail;
            while ((mail = queue.pollFirst()) == null) {
                long now = System.nanoTime();
                long left = deadlineNanos - now;
                if (left <= 0) {
                    return null;
                }
                if (start == 0) {
                    start = now;
                    waiting = true;
                    wokenAtNanos = 0;
                }
                notEmpty.awaitNanos(left);
            }
            return mail;
        } finally {
            long end = System.nanoTime();
            long woken = wokenAtNanos == 0 ? deadlineNanos : Math.min(wokenAtNanos, deadlineNanos);
            waiting = false;
            lock.unlock();
            if (start != 0) {
                WaitClock.current().add(WaitClock.IDLE, start, woken, end);
            }
        }
    }

    /**
     * Blocks until a mail arrives (Flink's TaskMailbox#take): where a task
     * whose input has nothing available waits for the "input available"
     * mail.
     */
    public Runnable take() throws InterruptedException {
        lock.lockInterruptibly();
        long start = 0;
        try {
            Runnable mail;
            while ((mail = queue.pollFirst()) == null) {
                if (start == 0) {
                    start = System.nanoTime();
                    waiting = true;
                    wokenAtNanos = 0;
                }
                notEmpty.await();
            }
            return mail;
        } finally {
            long end = System.nanoTime();
            long woken = wokenAtNanos == 0 ? end : wokenAtNanos;
            waiting = false;
            lock.unlock();
            if (start != 0) {
                WaitClock.current().add(WaitClock.IDLE, start, woken, end);
            }
        }
    }

    public Thread getMailboxThread() {
        return taskMailboxThread;
    }

    static long millisToNanos(long ms) {
        return TimeUnit.MILLISECONDS.toNanos(ms);
    }
}
