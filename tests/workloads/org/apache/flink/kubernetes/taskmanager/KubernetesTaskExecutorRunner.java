// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.kubernetes.taskmanager;

import org.apache.flink.runtime.taskexecutor.TaskManagerRunner;

/** Stand-in for Flink's Kubernetes TaskManager entry point (same workload). */
public final class KubernetesTaskExecutorRunner {
    private KubernetesTaskExecutorRunner() {}

    public static void main(String[] args) throws Exception {
        TaskManagerRunner.runTaskManagerProcessSecurely(args, "kubernetes");
    }
}
