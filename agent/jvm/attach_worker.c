// SPDX-License-Identifier: GPL-2.0
#include "agent/jvm/attach_worker.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/collect/cfi_maps.h"
#include "agent/collect/hotspot_prep.h"
#include "agent/core/target.h"
#include "symbolize/perf_map.h"
#include "symbolize/symbolizer.h"

struct job {
	pid_t pid;
	unsigned long long start_time;
	enum attach_job job;
	int timeout_ms;
};

/* Two rings under one lock: jobs to run, results to take. */
struct attach_worker {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t threads[ATTACH_WORKER_THREADS];
	size_t nthreads;
	bool stop;
	struct job jobs[ATTACH_WORKER_QUEUE];
	size_t job_head, njobs;
	struct attach_result results[ATTACH_WORKER_QUEUE];
	size_t res_head, nresults;
	size_t running;
};

static uint64_t elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (uint64_t)((t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000);
}

/* What job kinds the result names the program of: the ones whose
 * product describes the program (its libraries, its JVM). */
static bool job_reads_program(enum attach_job job)
{
	return job == ATTACH_JOB_CFI || job == ATTACH_JOB_HOTSPOT || job == ATTACH_JOB_RUNTIME;
}

static void job_run(const struct job *j, struct attach_result *r)
{
	struct target_identity before = { 0 }, after = { 0 };
	struct timespec t0;

	memset(r, 0, sizeof(*r));
	r->pid = j->pid;
	r->start_time = j->start_time;
	r->job = j->job;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Another process under the same pid is nobody we were asked about. */
	if (target_identity_read(j->pid, &before) || before.start_time != j->start_time) {
		r->err = -ESRCH;
		return;
	}
	r->exe_dev = before.exe_dev;
	r->exe_ino = before.exe_ino;
	if (j->job == ATTACH_JOB_CFI)
		r->err = cfi_prep_build(j->pid, &r->cfi);
	else if (j->job == ATTACH_JOB_HOTSPOT || j->job == ATTACH_JOB_RUNTIME)
		r->err = hotspot_prep_build(j->pid, j->job == ATTACH_JOB_HOTSPOT, &r->hotspot);
	else if (j->job == ATTACH_JOB_NAMES)
		r->err = hotspot_thread_headers(j->pid, j->timeout_ms, &r->reply);
	else
		r->err = hotspot_write_perf_map(j->pid, j->timeout_ms);
	/* Reading the map costs up to its cap (64 MiB of a file the target
	 * fills, sparse or not): here, not in the loop. */
	if (j->job == ATTACH_JOB_PERF_MAP && !r->err)
		r->read_err = process_symbolizer_read_perf_map(j->pid, &r->perf_map);
	/* An exec (or a new process under the pid) while we read: what was
	 * read may be either program's, so none of it. */
	if (job_reads_program(j->job) &&
	    (target_identity_read(j->pid, &after) || memcmp(&before, &after, sizeof(after)))) {
		attach_result_free(r);
		r->err = -ESTALE;
	}
	r->ms = elapsed_ms(&t0);
}

void attach_result_free(struct attach_result *r)
{
	attach_reply_free(&r->reply);
	perf_map_free(r->perf_map);
	r->perf_map = NULL;
	cfi_prep_free(r->cfi);
	r->cfi = NULL;
	hotspot_prep_free(r->hotspot);
	r->hotspot = NULL;
}

static void *worker_main(void *arg)
{
	struct attach_worker *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct attach_result r;
		struct job j;

		while (!w->stop && !w->njobs)
			pthread_cond_wait(&w->wake, &w->lock);
		if (w->stop)
			break;
		j = w->jobs[w->job_head];
		w->job_head = (w->job_head + 1) % ATTACH_WORKER_QUEUE;
		w->njobs--;
		w->running++;
		pthread_mutex_unlock(&w->lock);
		job_run(&j, &r);
		pthread_mutex_lock(&w->lock);
		w->running--;
		/* The results ring is as long as the jobs ring and a job is
		 * taken from one before it goes into the other, but the loop
		 * may not take results for a while: drop the oldest then. */
		if (w->nresults == ATTACH_WORKER_QUEUE) {
			attach_result_free(&w->results[w->res_head]);
			w->res_head = (w->res_head + 1) % ATTACH_WORKER_QUEUE;
			w->nresults--;
		}
		w->results[(w->res_head + w->nresults) % ATTACH_WORKER_QUEUE] = r;
		w->nresults++;
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int attach_worker_new(struct attach_worker **out)
{
	struct attach_worker *w = calloc(1, sizeof(*w));
	sigset_t all, old;
	int err = 0;

	if (!w)
		return -ENOMEM;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	/* Signals stay with the loop, whose poll() must wake up for them. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (size_t i = 0; i < ATTACH_WORKER_THREADS; i++) {
		err = -pthread_create(&w->threads[i], NULL, worker_main, w);
		if (err)
			break;
		w->nthreads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!w->nthreads) {
		attach_worker_free(w);
		return err;
	}
	*out = w;
	return 0;
}

void attach_worker_free(struct attach_worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_broadcast(&w->wake);
	pthread_mutex_unlock(&w->lock);
	for (size_t i = 0; i < w->nthreads; i++)
		pthread_join(w->threads[i], NULL);
	for (size_t i = 0; i < w->nresults; i++)
		attach_result_free(&w->results[(w->res_head + i) % ATTACH_WORKER_QUEUE]);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

int attach_worker_submit(struct attach_worker *w, pid_t pid, unsigned long long start_time,
			 enum attach_job job, int timeout_ms)
{
	int err = 0;

	pthread_mutex_lock(&w->lock);
	if (w->njobs == ATTACH_WORKER_QUEUE) {
		err = -EAGAIN;
	} else {
		w->jobs[(w->job_head + w->njobs) % ATTACH_WORKER_QUEUE] =
			(struct job){ .pid = pid, .start_time = start_time, .job = job,
				      .timeout_ms = timeout_ms };
		w->njobs++;
		pthread_cond_signal(&w->wake);
	}
	pthread_mutex_unlock(&w->lock);
	return err;
}

size_t attach_worker_take(struct attach_worker *w, struct attach_result *out, size_t max)
{
	size_t n = 0;

	pthread_mutex_lock(&w->lock);
	while (n < max && w->nresults) {
		out[n++] = w->results[w->res_head];
		w->res_head = (w->res_head + 1) % ATTACH_WORKER_QUEUE;
		w->nresults--;
	}
	pthread_mutex_unlock(&w->lock);
	return n;
}

int attach_result_current(const struct attach_result *r)
{
	struct target_identity now;

	if (target_identity_read(r->pid, &now) || now.start_time != r->start_time)
		return -ESRCH;
	return r->err != -ESTALE && now.exe_dev == r->exe_dev && now.exe_ino == r->exe_ino;
}

size_t attach_worker_pending(struct attach_worker *w)
{
	size_t n;

	if (!w)
		return 0;
	pthread_mutex_lock(&w->lock);
	n = w->njobs + w->running;
	pthread_mutex_unlock(&w->lock);
	return n;
}
