// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.runtime.jobgraph.tasks;

/** What a {@code Task} runs (Flink: TaskInvokable / AbstractInvokable). */
public interface TaskInvokable {
    /**
     * Runs the task's mailbox loop. Unlike Flink, the stand-in's loop returns
     * after each input-idle period and Task.run calls invoke() again, so that
     * invoke() is called often enough to be JIT-compiled and shows up as a
     * named frame in a profile (a method called once stays interpreted).
     */
    void invoke() throws Exception;

    /** Whether the task wants to be invoked again. */
    boolean isRunning();

    void cancel();
}
