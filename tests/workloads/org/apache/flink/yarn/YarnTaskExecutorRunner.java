// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.yarn;

import org.apache.flink.runtime.taskexecutor.TaskManagerRunner;

/** Stand-in for Flink's YARN TaskManager entry point (same workload). */
public final class YarnTaskExecutorRunner {
    private YarnTaskExecutorRunner() {}

    public static void main(String[] args) throws Exception {
        TaskManagerRunner.runTaskManagerProcessSecurely(args, "yarn");
    }
}
