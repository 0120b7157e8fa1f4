// SPDX-License-Identifier: GPL-2.0
#include "http_receiver.h"

#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

static bool fd_wait(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

/* Read one request (headers, then Content-Length bytes). */
static int request_read(int fd, char **head, unsigned char **body, size_t *body_len)
{
	size_t cap = 1 << 16, len = 0, hlen = 0, clen = 0;
	char *buf = malloc(cap + 1), *end, *cl;
	bool have_head = false;

	while (buf && (!have_head || len < hlen + clen)) {
		ssize_t n;

		if (len == cap) {
			char *b = realloc(buf, cap * 2 + 1);

			if (!b)
				break;
			buf = b;
			cap *= 2;
		}
		if (!fd_wait(fd, RECV_WAIT_MS) || (n = read(fd, buf + len, cap - len)) <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if (!have_head && (end = strstr(buf, "\r\n\r\n"))) {
			have_head = true;
			hlen = (size_t)(end - buf) + 4;
			for (cl = buf; (cl = strchr(cl, '\n')) && cl < end; cl++)
				if (!strncasecmp(cl + 1, "Content-Length:", 15))
					clen = strtoul(cl + 16, NULL, 10);
		}
	}
	if (!buf || !have_head || len < hlen + clen) {
		free(buf);
		return -1;
	}
	*head = strndup(buf, hlen);
	*body = malloc(clen + 1);
	memcpy(*body, buf + hlen, clen);
	*body_len = clen;
	free(buf);
	return 0;
}

static void *receiver_main(void *arg)
{
	struct receiver *r = arg;

	for (int i = 0; i < r->nstatuses; i++) {
		char reply[256];
		int fd, st = r->statuses[i];

		if (!fd_wait(r->lfd, RECV_WAIT_MS))
			break;
		fd = accept(r->lfd, NULL, NULL);
		if (fd < 0)
			break;
		if (!request_read(fd, &r->head[r->nreqs], &r->body[r->nreqs], &r->body_len[r->nreqs]))
			__atomic_add_fetch(&r->nreqs, 1, __ATOMIC_SEQ_CST);
		if (r->gated) {
			char c;

			if (fd_wait(r->gate[0], RECV_WAIT_MS) && read(r->gate[0], &c, 1) != 1)
				perror("receiver gate");
		}
		if (st == 0) {
			/* Silent: wait for the client to hang up. */
			fd_wait(fd, RECV_WAIT_MS);
		} else {
			const char *text = st == 200 ? "" : "ingest failed: disk full\n";

			snprintf(reply, sizeof(reply),
				 "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
				 st, strlen(text), text);
			if (write(fd, reply, strlen(reply)) < 0)
				perror("receiver write");
		}
		close(fd);
	}
	return NULL;
}

int listen_any(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static void receiver_run(struct receiver *r, const int *statuses, int n, bool gated)
{
	memset(r, 0, sizeof(*r));
	if (gated) {
		assert_int_equal(pipe(r->gate), 0);
		r->gated = true;
	}
	r->lfd = listen_any(&r->port);
	memcpy(r->statuses, statuses, (size_t)n * sizeof(*statuses));
	r->nstatuses = n;
	assert_int_equal(pthread_create(&r->th, NULL, receiver_main, r), 0);
}

void receiver_start(struct receiver *r, const int *statuses, int n)
{
	receiver_run(r, statuses, n, false);
}

void receiver_start_gated(struct receiver *r, const int *statuses, int n)
{
	receiver_run(r, statuses, n, true);
}

void receiver_release(struct receiver *r)
{
	assert_int_equal(write(r->gate[1], "x", 1), 1);
}

int receiver_requests(struct receiver *r)
{
	return __atomic_load_n(&r->nreqs, __ATOMIC_SEQ_CST);
}

void receiver_stop(struct receiver *r)
{
	/* Unblock the accept wait when fewer requests came than scripted. */
	shutdown(r->lfd, SHUT_RDWR);
	pthread_join(r->th, NULL);
	close(r->lfd);
}

void receiver_free(struct receiver *r)
{
	if (r->gated) {
		close(r->gate[0]);
		close(r->gate[1]);
		r->gated = false;
	}
	for (int i = 0; i < r->nreqs; i++) {
		free(r->head[i]);
		free(r->body[i]);
	}
}

