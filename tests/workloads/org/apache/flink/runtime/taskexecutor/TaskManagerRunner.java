// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.runtime.taskexecutor;

import tmprof.workload.StandInTaskManager;

/**
 * Stand-in for Flink's standalone TaskManager entry point. tmprof recognises a
 * TaskManager by this main class name; the work itself is done by
 * {@link StandInTaskManager}, shared with the YARN and Kubernetes stand-ins.
 */
public final class TaskManagerRunner {
    private TaskManagerRunner() {}

    public static void main(String[] args) throws Exception {
        runTaskManagerProcessSecurely(args, "standalone");
    }

    /** Same name as Flink's method; also called by the YARN / Kubernetes mains. */
    public static void runTaskManagerProcessSecurely(String[] args, String deployment) throws Exception {
        System.exit(StandInTaskManager.run(args, deployment));
    }
}
