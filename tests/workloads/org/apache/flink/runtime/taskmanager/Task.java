// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.runtime.taskmanager;

import org.apache.flink.runtime.jobgraph.tasks.TaskInvokable;

/** The thread body of one subtask, as in Flink: Task.run -> doRun -> invokable.invoke(). */
public final class Task implements Runnable {
    private final String taskNameWithSubtaskAndAttempt;
    private final TaskInvokable invokable;
    private volatile Thread executingThread;

    public Task(String taskNameWithSubtaskAndAttempt, TaskInvokable invokable) {
        this.taskNameWithSubtaskAndAttempt = taskNameWithSubtaskAndAttempt;
        this.invokable = invokable;
    }

    public String getTaskInfo() {
        return taskNameWithSubtaskAndAttempt;
    }

    public Thread getExecutingThread() {
        return executingThread;
    }

    /** Creates (does not start) the thread, named exactly like Flink names it. */
    public Thread createThread() {
        Thread t = new Thread(this, taskNameWithSubtaskAndAttempt);
        executingThread = t;
        return t;
    }

    @Override
    public void run() {
        try {
            doRun();
        } catch (Throwable t) {
            System.err.println("task " + taskNameWithSubtaskAndAttempt + " failed: " + t);
            t.printStackTrace();
        }
    }

    private void doRun() throws Exception {
        while (invokable.isRunning()) {
            invokable.invoke();
        }
    }

    public void cancelExecution() {
        invokable.cancel();
    }
}
