// SPDX-License-Identifier: GPL-2.0
/* HotSpot's dynamic attach protocol (what jcmd speaks), in C.
 *
 * The exchange runs in a forked child that enters the target's mount and
 * net namespaces and switches to the target's uid/gid, so that the socket and
 * trigger files are those the JVM sees and the JVM's credential check passes.
 * The parent waits at most timeout_ms for the whole exchange.
 */
#ifndef TMPROF_AGENT_HOTSPOT_ATTACH_H
#define TMPROF_AGENT_HOTSPOT_ATTACH_H

#include <stddef.h>
#include <sys/types.h>

#define HOTSPOT_ATTACH_TIMEOUT_MS 5000

struct attach_reply {
	int status;     /* first line of the reply: 0 = success in the JVM */
	char *output;   /* rest of the reply, NUL-terminated, malloc'd */
	size_t len;
};

/* Run one attach command, e.g. ("jcmd", "Compiler.perfmap") or
 * ("threaddump", NULL). Errors:
 *   -ESRCH     target gone
 *   -ETIMEDOUT no socket / no answer within timeout_ms
 *   -ECONNREFUSED the socket the JVM made for us refused the connection
 *   -EPROTO    malformed reply
 */
int hotspot_attach_command(pid_t pid, const char *cmd, const char *arg0, int timeout_ms,
			   struct attach_reply *reply);
void attach_reply_free(struct attach_reply *reply);

/* Thread.print reduced to its header lines ("NAME" ... nid=...), each cut
 * at 4 KiB, filtered while it streams in so that a dump of any size (or 64
 * MiB of garbage from a process posing as a JVM) costs the daemon at most
 * 4 MiB. A reply over that is -EFBIG. Other replies are capped at 1 MiB. */
int hotspot_thread_headers(pid_t pid, int timeout_ms, struct attach_reply *reply);

/* Parse a raw reply buffer ("<status>\n<output>"). Pure: for tests. */
int attach_reply_parse(const char *buf, size_t len, struct attach_reply *out);

/* Make the JVM (re)write /tmp/perf-<nspid>.map (jcmd Compiler.perfmap, JDK 17+). */
int hotspot_write_perf_map(pid_t pid, int timeout_ms);

#endif
