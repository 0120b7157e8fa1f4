// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.streaming.runtime.tasks.mailbox;

import org.apache.flink.streaming.runtime.io.StreamOneInputProcessor;

/**
 * Stand-in for Flink's MailboxProcessor. runMailboxLoop() runs mails and the
 * default action (processInput) while input is available; when the input
 * reports nothing available it blocks in TaskMailboxImpl.take until the input
 * becomes available again, then returns (see TaskInvokable#invoke). A network
 * input (no known time of availability) is waited for as in Flink: processMail
 * -> processMailsWhenDefaultActionUnavailable -> TaskMailboxImpl.take() until
 * the input puts a mail.
 */
public final class MailboxProcessor {
    /** Default action: returns one of the StreamOneInputProcessor status codes. */
    public interface MailboxDefaultAction {
        int runDefaultAction() throws Exception;
    }

    private final MailboxDefaultAction defaultAction;
    private final TaskMailboxImpl mailbox;
    private final StreamOneInputProcessor input;
    private volatile boolean suspended;

    public MailboxProcessor(MailboxDefaultAction defaultAction, TaskMailboxImpl mailbox,
                            StreamOneInputProcessor input) {
        this.defaultAction = defaultAction;
        this.mailbox = mailbox;
        this.input = input;
    }

    public void runMailboxLoop() throws Exception {
        int checkMail = 0;
        while (!suspended) {
            if ((++checkMail & 1023) == 0) {
                Runnable mail = mailbox.tryTake();
                if (mail != null) {
                    mail.run();
                }
            }
            int status = defaultAction.runDefaultAction();
            if (status == StreamOneInputProcessor.END_OF_INPUT) {
                suspended = true;
                break;
            }
            if (status == StreamOneInputProcessor.NOTHING_AVAILABLE) {
                input.prepareIdle();
                long availableAt = input.availableAtNanos();
                if (availableAt < 0) {
                    // Network input: it puts a mail when data arrives (Flink's
                    // suspended default action).
                    processMail();
                    return; // as below: Task.run re-invokes
                }
                Runnable mail = mailbox.take(availableAt);
                if (mail != null) {
                    mail.run();
                }
                return; // input available again: Task.run re-invokes
            }
        }
        input.publishMetrics();
    }

    /** Flink's MailboxProcessor#processMail with the default action suspended. */
    private void processMail() throws Exception {
        processMailsWhenDefaultActionUnavailable();
    }

    /** Blocks in TaskMailboxImpl.take until a mail (e.g. "input available") arrives, runs it. */
    private void processMailsWhenDefaultActionUnavailable() throws Exception {
        Runnable mail = mailbox.take();
        mail.run();
    }

    public void suspend() {
        suspended = true;
        mailbox.put(() -> { });
    }
}
