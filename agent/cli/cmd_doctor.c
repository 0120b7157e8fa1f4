// SPDX-License-Identifier: GPL-2.0
#include "agent/cli/cmd_doctor.h"

#include <dirent.h>
#include <signal.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "agent/collect/alloc_tracer.h"
#include "agent/collect/bpf_load.h"
#include "agent/collect/collector.h"
#include "agent/collect/leak_tracer.h"
#include "agent/collect/switch_cost.h"
#include "agent/core/capabilities.h"
#include "agent/core/exit_codes.h"
#include "agent/jvm/hotspot_attach.h"
#include "agent/collect/hotspot_unwind.h"
#include "agent/jvm/jvm_info.h"
#include "agent/jvm/jvm_runtime.h"
#include "agent/collect/kernel_features.h"
#include "agent/core/log.h"
#include "agent/core/proc_info.h"
#include "agent/core/session.h"
#include "agent/core/target.h"
#include "agent/jvm/thread_names.h"

/* Present since 4.17: libbpf creates uprobes with perf_event_open through
 * it; without it libbpf writes uprobe_events in tracefs instead. */
#define UPROBE_PMU "/sys/bus/event_source/devices/uprobe/type"

static const char *const usage_text =
	"usage: tmprof doctor [-p PID] [-v]\n"
	"\n"
	"Checks what works on this host, one line per item (✔ works, ✘ does not, with\n"
	"the fix): kernel and BTF, privileges, perf events, tracefs, uprobes, whether\n"
	"each event kind's BPF programs load (loaded, not attached), what per-thread\n"
	"sampling adds to a context switch here, and for every JVM (or only PID):\n"
	"attach, Java frames (which unwinder), full thread names and its switch rate.\n"
	"  -p PID   check only this JVM\n"
	"  -v       libbpf's messages, the whole verifier log of a rejected program\n"
	"exit: 0 everything works; 3 a host item fails (kernel, privileges, BPF);\n"
	"      5 the host works but a JVM item fails (attach, Java frames, thread names);\n"
	"      1 usage; 2 -p PID is not a running JVM\n";

struct doctor {
	unsigned int host_failures;
	unsigned int jvm_failures;
	/* What a per-thread sampling event adds to a context switch here, ns
	 * (check_switch_cost); 0 if it could not be measured. */
	double switch_added_ns;
};

/* The period record's default -F (99 Hz) gives a per-thread event. */
#define DOCTOR_PERIOD_NS (1000000000ULL / 99)
/* A JVM's switch rate is counted over this long. */
#define DOCTOR_SWITCH_WINDOW_MS 500
/* Above this share of a CPU, per-thread sampling's switch cost is worth a
 * sentence on --per-cpu. */
#define DOCTOR_SWITCH_PCT_NOTE 1.0
/* A target's thread list is its own to grow: count at most this many. */
#define DOCTOR_MAX_THREADS 65536

/* One line: "✔ ITEM: what works" or "✘ ITEM: what does not; fix". */
static void item(struct doctor *d, bool ok, bool jvm, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void item(struct doctor *d, bool ok, bool jvm, const char *fmt, ...)
{
	va_list ap;

	if (!ok) {
		if (jvm)
			d->jvm_failures++;
		else
			d->host_failures++;
	}
	fputs(ok ? "✔ " : "✘ ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

static void check_privileges(struct doctor *d)
{
	uint64_t have;
	int err;
	static const struct {
		int cap;
		const char *name;
	} caps[] = {
		{ CAP_BPF, "CAP_BPF" }, { CAP_PERFMON, "CAP_PERFMON" },
		{ CAP_SYS_PTRACE, "CAP_SYS_PTRACE" }, { CAP_SETUID, "CAP_SETUID" },
		{ CAP_SETGID, "CAP_SETGID" },
	};
	char lacking[128] = "";

	if (geteuid() == 0) {
		item(d, true, false, "privileges: root");
		return;
	}
	err = capabilities_effective(&have);
	if (err) {
		item(d, false, false, "privileges: cannot read this process's capabilities (%s); "
		     "run as root", strerror(-err));
		return;
	}
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		if (!capabilities_has(have, caps[i].cap) && !capabilities_has(have, CAP_SYS_ADMIN))
			snprintf(lacking + strlen(lacking), sizeof(lacking) - strlen(lacking), "%s%s",
				 lacking[0] ? ", " : "", caps[i].name);
	if (!lacking[0])
		item(d, true, false, "privileges: the capabilities tmprof needs");
	else
		item(d, false, false, "privileges: not root and lacking %s; run as root (sudo tmprof "
		     "...) or grant them (agent/daemon/deploy/tmprof.service lists each one's use)", lacking);
}

static void check_kernel(struct doctor *d, const char *release)
{
	bool btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0;

	if (btf)
		item(d, true, false, "kernel: Linux %s, BTF at /sys/kernel/btf/vmlinux", release);
	else
		item(d, false, false, "kernel: Linux %s has no /sys/kernel/btf/vmlinux (BTF, needed "
		     "for CO-RE); use a kernel built with CONFIG_DEBUG_INFO_BTF=y (Debian 11+, "
		     "Ubuntu 20.10+, RHEL 8.2+ kernels are)", release);
}

static int read_int_file(const char *path, int *out)
{
	FILE *f = fopen(path, "re");
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%d", out) == 1;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

/* What -e cpu opens: a sampling cpu-clock event on one CPU, all processes. */
static void check_perf_events(struct doctor *d)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.freq = 1,
		.sample_freq = 99,
		.disabled = 1,
	};
	int paranoid = 99, fd;

	read_int_file("/proc/sys/kernel/perf_event_paranoid", &paranoid);
	fd = (int)syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		item(d, true, false, "perf events: a cpu-clock sampling event opens "
		     "(perf_event_paranoid %d)", paranoid);
	} else if (errno == EACCES || errno == EPERM) {
		item(d, false, false, "perf events: cannot open a cpu-clock event on all processes "
		     "(%s, perf_event_paranoid %d); run as root or with CAP_PERFMON, or "
		     "sysctl kernel.perf_event_paranoid=-1", strerror(errno), paranoid);
	} else {
		item(d, false, false, "perf events: cannot open a cpu-clock event (%s); the kernel "
		     "needs CONFIG_PERF_EVENTS", strerror(errno));
	}
}

bool doctor_tracefs_in_mountinfo(const char *text, char *at, size_t len)
{
	const char *line = text;

	/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPER" */
	while (line && *line) {
		const char *nl = strchr(line, '\n'), *dash = strstr(line, " - ");
		char point[256];

		if (dash && (!nl || dash < nl) && !strncmp(dash + 3, "tracefs ", 8) &&
		    sscanf(line, "%*s %*s %*s %*s %255s", point) == 1) {
			snprintf(at, len, "%s", point);
			return true;
		}
		line = nl ? nl + 1 : NULL;
	}
	return false;
}

/* tmprof itself needs tracefs only where libbpf falls back to it: uprobes
 * on a kernel without the uprobe PMU (before 4.17). Unmounted and unneeded
 * is fine, and said so. */
static void check_tracefs(struct doctor *d)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *text = NULL, at[256] = "";
	size_t cap = 0;
	ssize_t n;
	bool found = false, pmu = access(UPROBE_PMU, R_OK) == 0;

	if (f) {
		n = getdelim(&text, &cap, '\0', f);
		found = n > 0 && doctor_tracefs_in_mountinfo(text, at, sizeof(at));
		fclose(f);
	}
	free(text);
	if (found)
		item(d, true, false, "tracefs: mounted at %s", at);
	else if (pmu)
		item(d, true, false, "tracefs: not mounted, not needed here (uprobes attach through "
		     "the uprobe PMU); other tools may want: mount -t tracefs nodev "
		     "/sys/kernel/tracing");
	else
		item(d, false, false, "tracefs: not mounted, and this kernel has no uprobe PMU, so "
		     "uprobes (-e alloc, tmprof leak) need it; mount -t tracefs nodev "
		     "/sys/kernel/tracing");
}

/* The libc this process runs, as mapped: where a test uprobe goes. */
static int own_libc(char *out, size_t len)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *path = strchr(line, '/');

		if (path && strstr(path, "/libc.so")) {
			path[strcspn(path, "\n")] = '\0';
			snprintf(out, len, "%s", path);
			err = 0;
			break;
		}
	}
	fclose(f);
	return err;
}

/* A real uprobe, as -e alloc and tmprof leak set them: on this process's
 * own getpid, detached at once (never hit: nothing calls it meanwhile). */
static void check_uprobes(struct doctor *d)
{
	char libc[512];
	bool loaded = false;
	int err;

	err = own_libc(libc, sizeof(libc));
	if (err) {
		item(d, false, false, "uprobes: cannot find this process's libc to probe (%s)",
		     strerror(-err));
		return;
	}
	bpf_load_reset();
	err = alloc_tracer_try_uprobe(getpid(), libc, "getpid", &loaded);
	if (!loaded) {
		/* Nothing to attach with: the kernel's side, at least. */
		if (!access(UPROBE_PMU, R_OK))
			item(d, true, false, "uprobes: the kernel has the uprobe PMU (no test attach: "
			     "tmprof's uprobe program does not load here, see alloc below)");
		else if (!access("/sys/kernel/tracing/uprobe_events", W_OK) ||
			 !access("/sys/kernel/debug/tracing/uprobe_events", W_OK))
			item(d, true, false, "uprobes: the kernel has tracefs uprobe_events (no test "
			     "attach: tmprof's uprobe program does not load here, see alloc below)");
		else
			item(d, false, false, "uprobes: neither a uprobe PMU nor tracefs uprobe_events; "
			     "the kernel needs CONFIG_UPROBE_EVENTS=y, and tracefs mounted: mount -t "
			     "tracefs nodev /sys/kernel/tracing");
		return;
	}
	if (!err)
		item(d, true, false, "uprobes: a uprobe attaches (%s:getpid)", libc);
	else
		item(d, false, false, "uprobes: cannot attach a uprobe to %s:getpid (%s%s%s); %s",
		     libc, strerror(-err), bpf_load_first_warning()[0] ? ": " : "",
		     bpf_load_first_warning(),
		     access(UPROBE_PMU, R_OK) ? "this kernel has no uprobe PMU, so libbpf needs "
		     "tracefs: mount -t tracefs nodev /sys/kernel/tracing" :
		     "the kernel needs CONFIG_UPROBE_EVENTS=y");
}

/* Probe, then load: a lack gets the same line as a recording would. */
static bool check_kind(struct doctor *d, const char *name, unsigned int kinds, int (*try_load)(void),
		       const char *release)
{
	struct kf_needs *needs = calloc(1, sizeof(*needs));
	struct kf_need missing[KF_MAX_NEEDS];
	char what[64], line[1024];
	unsigned int min = 0;
	size_t n = 0;
	int err;

	kernel_features_kinds_name(kinds, what, sizeof(what));
	if (!what[0])
		snprintf(what, sizeof(what), "-e %s", name);
	err = needs ? kernel_features_of_kinds(kinds, needs) : -ENOMEM;
	if (!err) {
		min = kernel_features_minimum(needs);
		n = kernel_features_probe(needs, &kf_kernel_probes, missing, KF_MAX_NEEDS);
	}
	if (!err && n) {
		kernel_features_format(release, missing, n, 3, min, what, line, sizeof(line));
		item(d, false, false, "%s: %s", name, line);
		free(needs);
		return false;
	}
	free(needs);
	bpf_load_reset();
	if (!err && try_load)
		err = try_load();
	if (err) {
		bpf_load_explain(bpf_load_last(), bpf_load_first_warning(), what, err, release,
				 bpf_load_privileged(), line, sizeof(line));
		item(d, false, false, "%s: %s", name, line);
		return false;
	}
	if (!try_load)
		item(d, true, false, "%s: no BPF programs to load", name);
	else if (min)
		item(d, true, false, "%s: BPF programs load (%s needs Linux %u.%u or newer)", name,
		     what, min >> 8, min & 0xff);
	else
		item(d, true, false, "%s: BPF programs load", name);
	return true;
}

static unsigned int threads_named(pid_t pid, const struct thread_names *tn, unsigned int *total)
{
	char path[64];
	DIR *dir;
	struct dirent *e;
	unsigned int named = 0;

	*total = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((e = readdir(dir))) {
		pid_t tid = (pid_t)atoi(e->d_name);

		if (tid <= 0)
			continue;
		(*total)++;
		if (thread_names_get(tn, tid))
			named++;
	}
	closedir(dir);
	return named;
}

/* Which unwinder `--unwind auto` would use for this JVM, and why. */
static void check_java_frames(struct doctor *d, const struct jvm_info *j, bool perf_map)
{
	struct jvm_runtime rt;
	struct hotspot_cfg cfg;
	int err = jvm_runtime_open(j->pid, &rt);

	if (!err) {
		if (!(rt.vmstructs_ok && rt.vmstructs_ints_ok))
			err = -ENOENT;
		if (!err)
			err = hotspot_cfg_read(&rt.mem, &rt.vs, &cfg);
		jvm_runtime_close(&rt);
	}
	if (!err)
		item(d, true, true, "PID %d Java frames: hotspot unwinder (the JVM's own frame "
		     "layout from its vmStructs; no -XX:+PreserveFramePointer needed)", (int)j->pid);
	else if (j->pfp == PFP_ON && perf_map)
		item(d, true, true, "PID %d Java frames: perfmap (frame pointers, compiled frames named "
		     "from the JVM's perf map; the hotspot unwinder is off: %s)", (int)j->pid,
		     session_hotspot_error(err));
	else if (j->pfp == PFP_ON)
		item(d, false, true, "PID %d Java frames: frame pointers only, compiled frames unnamed "
		     "(hotspot unwinder off: %s; no perf map: attach failed); fix attach (above)",
		     (int)j->pid, session_hotspot_error(err));
	else
		item(d, false, true, "PID %d Java frames: none, stacks stop at the leaf Java frame "
		     "(hotspot unwinder off: %s; -XX:+PreserveFramePointer off); add "
		     "-XX:+PreserveFramePointer to env.java.opts.taskmanager", (int)j->pid,
		     session_hotspot_error(err));
}

/* Per-thread sampling (record's default) costs each sampled thread
 * something at every context switch; how much depends on the host (a VM
 * reprograms its timer through the hypervisor), so it is measured here, in
 * about two seconds, and applied to each JVM's own switch rate below. */
static void check_switch_cost(struct doctor *d)
{
	struct switch_cost c;
	int err = switch_cost_measure(9, 100, DOCTOR_PERIOD_NS, &c);

	if (err) {
		item(d, true, false, "per-thread sampling: its cost per context switch could not be "
		     "measured (%s); it is what `tmprof record` without --per-cpu adds", strerror(-err));
		return;
	}
	d->switch_added_ns = c.added_ns > 0 ? c.added_ns : 0;
	item(d, true, false, "per-thread sampling: adds %.2f µs to each context switch of a sampled "
	     "thread here (a switch takes %.2f µs without); %.2f %% of a CPU at 10000 switches/s",
	     d->switch_added_ns / 1000, c.switch_ns / 1000, switch_cost_cpu_pct(d->switch_added_ns, 10000));
}

/* The JVM's context switches per second, all its threads, over a short
 * window; per-thread sampling pays its cost per switch on each. */
static void check_jvm_switches(struct doctor *d, pid_t pid)
{
	struct timespec nap = { 0, DOCTOR_SWITCH_WINDOW_MS * 1000000L };
	uint64_t a, b;
	double rate, pct;

	if (proc_switches(pid, DOCTOR_MAX_THREADS, &a) || nanosleep(&nap, NULL) ||
	    proc_switches(pid, DOCTOR_MAX_THREADS, &b))
		return;
	/* Threads that exit in the window take their counts with them. */
	rate = b > a ? (double)(b - a) * 1000 / DOCTOR_SWITCH_WINDOW_MS : 0;
	pct = switch_cost_cpu_pct(d->switch_added_ns, rate);
	if (!d->switch_added_ns)
		item(d, true, true, "PID %d context switches: %.0f a second", (int)pid, rate);
	else if (pct < DOCTOR_SWITCH_PCT_NOTE)
		item(d, true, true, "PID %d context switches: %.0f a second; per-thread sampling costs "
		     "it about %.2f %% of a CPU for them", (int)pid, rate, pct);
	else
		item(d, true, true, "PID %d context switches: %.0f a second; per-thread sampling costs "
		     "it about %.2f %% of a CPU for them: --per-cpu (daemon: sampler = per-cpu) costs "
		     "nothing per switch, at a few pp of bias on timer-woken threads", (int)pid, rate, pct);
}

static void check_jvm(struct doctor *d, const struct jvm_info *j)
{
	struct thread_names *tn = NULL;
	unsigned int named = 0, total = 0;
	bool perf_map = false;
	int err;

	printf("JVM %d: %s, JDK %s%s\n", (int)j->pid, jvm_kind_name(j->kind),
	       j->jdk_version[0] ? j->jdk_version : "?", j->in_container ? ", in a container" : "");
	/* The same exchange as a recording: thread dump, then perf map. */
	if (j->attach_disabled) {
		err = -ETIMEDOUT;
	} else {
		err = thread_names_new(j->pid, &tn);
		if (!err)
			err = thread_names_refresh(tn, 0);
	}
	if (!err) {
		item(d, true, true, "PID %d attach: the JVM answers the attach protocol", (int)j->pid);
		perf_map = hotspot_write_perf_map(j->pid, HOTSPOT_ATTACH_TIMEOUT_MS) == 0;
	} else {
		item(d, false, true, "PID %d attach: %s; %s", (int)j->pid, attach_error_text(err),
		     j->attach_disabled ? "remove -XX:+DisableAttachMechanism from the JVM options"
		     : "run as root (tmprof answers as the JVM's user) and check the JVM is not hung");
	}
	check_java_frames(d, j, perf_map);
	if (!err)
		named = threads_named(j->pid, tn, &total);
	if (!err && named)
		item(d, true, true, "PID %d thread names: %u of %u threads named in full from a "
		     "thread dump", (int)j->pid, named, total);
	else
		item(d, false, true, "PID %d thread names: cut to 15 characters (%s); fix attach",
		     (int)j->pid, err ? "no thread dump: attach failed" : "the thread dump named none");
	thread_names_free(tn);
	check_jvm_switches(d, j->pid);
}

static int check_jvms(struct doctor *d, pid_t only)
{
	struct jvm_info *jvms = NULL, one;
	size_t n = 0;
	int err;

	if (only) {
		err = jvm_info_read(only, &one);
		if (err == -EPERM || err == -EACCES) {
			item(d, false, true, "PID %d: cannot read the process (%s); run as root",
			     (int)only, strerror(-err));
			return EXIT_OK;
		}
		if (err || one.kind == JVM_NOT_JAVA) {
			/* jvm_info_read says ENOENT for a process without libjvm too. */
			bool exists = kill(only, 0) == 0 || errno == EPERM;

			log_error("PID %d: %s; 'tmprof list' shows the JVMs on this host", (int)only,
				  exists ? "not a JVM" : "no such process");
			return EXIT_NO_TARGET;
		}
		check_jvm(d, &one);
		return EXIT_OK;
	}
	err = jvm_list(&jvms, &n);
	if (err) {
		item(d, false, true, "JVMs: cannot scan /proc (%s); run as root", strerror(-err));
		return EXIT_OK;
	}
	if (!n)
		printf("JVMs: none running; start one (or a TaskManager) to check attach, Java frames "
		       "and thread names\n");
	for (size_t i = 0; i < n; i++)
		check_jvm(d, &jvms[i]);
	free(jvms);
	return EXIT_OK;
}

static int args_parse(int argc, char **argv, pid_t *only)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v")) {
			log_verbose = true;
		} else if (!strcmp(argv[i], "-p") && i + 1 < argc) {
			char *end;
			long v = strtol(argv[++i], &end, 10);

			if (*end || v <= 0 || v > 0x3fffffff) {
				log_error("-p %s: not a PID; give one PID from 'tmprof list'", argv[i]);
				return EXIT_USAGE;
			}
			*only = (pid_t)v;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage_text, stdout);
			return -1;
		} else {
			log_error("doctor: unknown option '%s'; 'tmprof doctor --help' shows the options",
				  argv[i]);
			return EXIT_USAGE;
		}
	}
	return EXIT_OK;
}

int cmd_doctor(int argc, char **argv)
{
	struct doctor d = { 0 };
	struct utsname u;
	bool cpu = false, off = false;
	pid_t only = 0;
	int rc;

	rc = args_parse(argc, argv, &only);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	bpf_load_capture();
	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "(unknown)");
	check_kernel(&d, u.release);
	check_privileges(&d);
	check_perf_events(&d);
	check_tracefs(&d);
	check_uprobes(&d);
	/* Every event kind -e knows, from the collector list. */
	for (size_t i = 0; i < collector_nkinds; i++) {
		const struct collector_ops *k = collector_kinds[i];
		bool ok = check_kind(&d, k->name, k->kernel_needs, k->try_load, u.release);

		if (!strcmp(k->name, "cpu"))
			cpu = ok;
		else if (!strcmp(k->name, "offcpu"))
			off = ok;
	}
	if (cpu && off)
		item(&d, true, false, "wall: cpu and offcpu both load");
	else
		item(&d, false, false, "wall: needs both cpu and offcpu (see above)");
	check_kind(&d, "leak", 1u << KF_LEAK, leak_tracer_try_load, u.release);
	check_switch_cost(&d);
	rc = check_jvms(&d, only);
	if (rc)
		return rc;
	if (d.host_failures)
		return EXIT_NO_BPF;
	return d.jvm_failures ? EXIT_PARTIAL : EXIT_OK;
}
