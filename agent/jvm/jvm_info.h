// SPDX-License-Identifier: GPL-2.0
/* Recognising JVMs and Flink TaskManagers among processes. */
#ifndef TMPROF_AGENT_JVM_INFO_H
#define TMPROF_AGENT_JVM_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum jvm_kind {
	JVM_NOT_JAVA = 0,
	JVM_OTHER,              /* a JVM, not a TaskManager */
	JVM_TM_STANDALONE,      /* org.apache.flink.runtime.taskexecutor.TaskManagerRunner */
	JVM_TM_YARN,            /* org.apache.flink.yarn.YarnTaskExecutorRunner */
	JVM_TM_KUBERNETES,      /* org.apache.flink.kubernetes.taskmanager.KubernetesTaskExecutorRunner */
};

enum pfp_state { PFP_UNKNOWN, PFP_OFF, PFP_ON };

struct jvm_info {
	pid_t pid;
	pid_t nspid;
	uid_t uid;
	gid_t gid;
	enum jvm_kind kind;
	char main_class[256];   /* main class or "-jar x.jar"; "" if unknown */
	char jdk_version[64];   /* e.g. "17.0.21", "" if unknown */
	char resource_id[128];  /* -Dtaskmanager.resource-id=..., "" if none */
	bool in_container;      /* other pid namespace */
	enum pfp_state pfp;     /* -XX:+PreserveFramePointer */
	bool attach_disabled;   /* -XX:+DisableAttachMechanism on the command line */
};

/* Classify a process from its argv. Pure: used by jvm_info_read and tests. */
enum jvm_kind jvm_kind_from_argv(char *const argv[], int argc, char *main_class, size_t main_class_len);
/* PreserveFramePointer from argv and the JAVA_TOOL_OPTIONS / JDK_JAVA_OPTIONS
 * values (may be NULL); the last setting wins, as in HotSpot. */
enum pfp_state jvm_pfp_from_options(char *const argv[], int argc, const char *java_tool_options,
				    const char *jdk_java_options);

/* JDK version from the text of a JDK's release file (JAVA_VERSION="17.0.21"),
 * and the fallback guess from the libjvm.so path (jdk-17.0.2+8,
 * java-17-openjdk-amd64, jdk1.8.0_292). Pure: used by jvm_info_read and tests. */
bool jvm_version_from_release(const char *text, size_t len, char *out, size_t out_len);
bool jvm_version_from_path(const char *libjvm_path, char *out, size_t out_len);

/* Read everything about one process. -ENOENT if it is not a JVM (no libjvm
 * mapped), -ESRCH if it does not exist. */
int jvm_info_read(pid_t pid, struct jvm_info *out);

/* Scan /proc for JVMs. *out is malloc'd, sorted by pid. */
int jvm_list(struct jvm_info **out, size_t *count);

const char *jvm_kind_name(enum jvm_kind kind);
static inline bool jvm_kind_is_taskmanager(enum jvm_kind k)
{
	return k == JVM_TM_STANDALONE || k == JVM_TM_YARN || k == JVM_TM_KUBERNETES;
}

#endif
