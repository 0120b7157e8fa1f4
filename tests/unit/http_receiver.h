// SPDX-License-Identifier: GPL-2.0
/* Test helper: a one-thread HTTP server on 127.0.0.1 that answers scripted
 * statuses and records each request (test_pyroscope, test_daemon_push). */
#ifndef TMPROF_TESTS_HTTP_RECEIVER_H
#define TMPROF_TESTS_HTTP_RECEIVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define MAX_REQS 8
/* The receiver never waits longer than this for anything. */
#define RECV_WAIT_MS 10000

/* A one-thread HTTP server on 127.0.0.1: serves one connection per
 * scripted status, records each request. status 0: read the request and
 * never answer (until the client gives up). */
struct receiver {
	int lfd, port;
	int statuses[MAX_REQS];
	int nstatuses;
	char *head[MAX_REQS]; /* request line and headers */
	unsigned char *body[MAX_REQS];
	size_t body_len[MAX_REQS];
	int nreqs;   /* receiver_requests() from another thread */
	pthread_t th;
	/* receiver_start_gated: each answer waits for receiver_release */
	bool gated;
	int gate[2];
};

/* A listening socket on 127.0.0.1, its port in *port. */
int listen_any(int *port);
/* Serve one connection per status of statuses[0..n) (n <= MAX_REQS). */
void receiver_start(struct receiver *r, const int *statuses, int n);
/* The same, each answer held until receiver_release lets one go. */
void receiver_start_gated(struct receiver *r, const int *statuses, int n);
void receiver_release(struct receiver *r);
/* Requests read so far. */
int receiver_requests(struct receiver *r);
/* Stop the thread (what was not asked is not waited for). */
void receiver_stop(struct receiver *r);
void receiver_free(struct receiver *r);

#endif
