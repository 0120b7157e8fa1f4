// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.streaming.runtime.tasks;

import org.apache.flink.runtime.jobgraph.tasks.TaskInvokable;
import org.apache.flink.streaming.runtime.io.StreamOneInputProcessor;
import org.apache.flink.streaming.runtime.tasks.mailbox.MailboxProcessor;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailboxImpl;

/**
 * Stand-in for Flink's StreamTask: invoke() runs the mailbox loop whose
 * default action is the input processor.
 */
public class StreamTask implements TaskInvokable {
    protected final TaskMailboxImpl mailbox;
    protected final MailboxProcessor mailboxProcessor;
    protected final StreamOneInputProcessor inputProcessor;
    private volatile boolean running = true;

    public StreamTask(StreamOneInputProcessor inputProcessor) {
        this.inputProcessor = inputProcessor;
        this.mailbox = new TaskMailboxImpl(Thread.currentThread());
        this.mailboxProcessor = new MailboxProcessor(this::processInput, mailbox, inputProcessor);
    }

    /** The mailbox default action, as in Flink (StreamTask#processInput). */
    private int processInput() throws Exception {
        return inputProcessor.processInput();
    }

    @Override
    public void invoke() throws Exception {
        mailboxProcessor.runMailboxLoop();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public void cancel() {
        running = false;
        mailboxProcessor.suspend();
    }

    public TaskMailboxImpl getMailbox() {
        return mailbox;
    }

    /** Records processed so far (published at least once per mailbox round). */
    public long getNumRecordsIn() {
        return inputProcessor.getNumRecordsIn();
    }
}
