package org.apache.flink.streaming.runtime.tasks.mailbox;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Stand-in for Flink's TaskMailboxImpl: a lock-protected queue of mails.
 * A task with nothing to do blocks in {@link #take} (Condition.await), which
 * is where an idle Flink task thread sits in a profile.
 */
public final class TaskMailboxImpl {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    private final Thread taskMailboxThread;

    public TaskMailboxImpl(Thread taskMailboxThread) {
        this.taskMailboxThread = taskMailboxThread;
    }

    public void put(Runnable mail) {
        lock.lock();
        try {
            queue.addLast(mail);
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
        try {
            Runnable mail;
            while ((mail = queue.pollFirst()) == null) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                notEmpty.awaitNanos(left);
            }
            return mail;
        } finally {
            lock.unlock();
        }
    }

    public Thread getMailboxThread() {
        return taskMailboxThread;
    }

    static long millisToNanos(long ms) {
        return TimeUnit.MILLISECONDS.toNanos(ms);
    }
}
