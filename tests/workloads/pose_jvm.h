// SPDX-License-Identifier: GPL-2.0
/* For the workloads that pose as a TaskManager without being a JVM
 * (hostile/hostile_tm.c, naming/lib_churn.c): the daemon's discovery looks
 * for a libjvm.so in /proc/PID/maps, so map one read-only, never touched. */
#ifndef TMPROF_TESTS_POSE_JVM_H
#define TMPROF_TESTS_POSE_JVM_H

#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* 0, or -1 with the reason printed. */
static inline int pose_jvm_map_libjvm(const char *libjvm)
{
	struct stat st;
	int fd, ret = 0;

	fd = open(libjvm, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 ||
	    mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED) {
		perror(libjvm);
		ret = -1;
	}
	if (fd >= 0)
		close(fd);
	return ret;
}

#endif
