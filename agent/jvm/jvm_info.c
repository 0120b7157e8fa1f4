// SPDX-License-Identifier: GPL-2.0
#include "agent/jvm/jvm_info.h"

#include "agent/core/log.h"
#include "agent/core/proc_info.h"
#include "symbolize/safe_open.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ENVIRON_MAX (4 * 1024 * 1024)
#define RELEASE_MAX (64 * 1024)
/* JDK 8 keeps libjvm.so in jre/lib/<arch>/server, five levels below release. */
#define RELEASE_MAX_UP 5

static const struct {
	const char *main_class;
	enum jvm_kind kind;
} tm_classes[] = {
	{ "org.apache.flink.runtime.taskexecutor.TaskManagerRunner", JVM_TM_STANDALONE },
	{ "org.apache.flink.yarn.YarnTaskExecutorRunner", JVM_TM_YARN },
	{ "org.apache.flink.kubernetes.taskmanager.KubernetesTaskExecutorRunner", JVM_TM_KUBERNETES },
};

/* java launcher options whose value is the next argument (JDK 9+ "--opt=value"
 * forms are a single argument and need no entry). */
static const char *const opts_with_value[] = {
	"-cp", "-classpath", "--class-path", "-p", "--module-path",
	"--upgrade-module-path", "--add-modules", "--limit-modules", "--add-reads",
	"--add-exports", "--add-opens", "--patch-module", "--enable-native-access",
	"--source", "-d", "--describe-module",
};

const char *jvm_kind_name(enum jvm_kind kind)
{
	switch (kind) {
	case JVM_NOT_JAVA:
		return "not a JVM";
	case JVM_OTHER:
		return "other JVM";
	case JVM_TM_STANDALONE:
		return "TaskManager (standalone)";
	case JVM_TM_YARN:
		return "TaskManager (YARN)";
	case JVM_TM_KUBERNETES:
		return "TaskManager (Kubernetes)";
	}
	return "?";
}

static bool opt_takes_value(const char *arg)
{
	for (size_t i = 0; i < sizeof(opts_with_value) / sizeof(opts_with_value[0]); i++)
		if (strcmp(arg, opts_with_value[i]) == 0)
			return true;
	return false;
}

/* Index of the argument that ends the JVM options: the main class, "-jar" or
 * "-m"/"--module" (or "--module=..."); argc if there is none. */
static int argv_main_index(char *const argv[], int argc)
{
	int i;

	for (i = 1; i < argc && argv[i]; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-jar") == 0 || strcmp(a, "-m") == 0 || strcmp(a, "--module") == 0 ||
		    strncmp(a, "--module=", 9) == 0)
			return i;
		if (a[0] != '-' && a[0] != '@')
			return i;
		if (opt_takes_value(a))
			i++;
	}
	return argc;
}

static void copy_str(char *dst, size_t dst_len, const char *src)
{
	if (dst_len == 0)
		return;
	snprintf(dst, dst_len, "%s", src);
}

/* "-m mod/cls" names the class after the slash; a bare module name says
 * nothing about the class, so it stands in for it. */
static const char *module_main_class(const char *spec)
{
	const char *slash = spec ? strchr(spec, '/') : NULL;

	return slash && slash[1] ? slash + 1 : (spec ? spec : "");
}

enum jvm_kind jvm_kind_from_argv(char *const argv[], int argc, char *main_class, size_t main_class_len)
{
	int i = argv ? argv_main_index(argv, argc) : argc;
	const char *cls = "";

	copy_str(main_class, main_class_len, "");
	if (!argv || i >= argc || !argv[i])
		return JVM_OTHER;
	if (strcmp(argv[i], "-jar") == 0) {
		if (i + 1 < argc && argv[i + 1] && main_class_len > 0)
			snprintf(main_class, main_class_len, "-jar %s", argv[i + 1]);
		return JVM_OTHER;
	}
	if (strncmp(argv[i], "--module=", 9) == 0)
		cls = module_main_class(argv[i] + 9);
	else if (argv[i][0] == '-')
		cls = module_main_class(i + 1 < argc ? argv[i + 1] : NULL);
	else
		cls = argv[i];
	copy_str(main_class, main_class_len, cls);
	for (size_t k = 0; k < sizeof(tm_classes) / sizeof(tm_classes[0]); k++)
		if (strcmp(cls, tm_classes[k].main_class) == 0)
			return tm_classes[k].kind;
	return JVM_OTHER;
}

/* One VM option applied to the state of boolean flag `flag`. Options files
 * and @argfiles may set anything, so after one the state is unknown. */
static enum pfp_state flag_apply(const char *tok, size_t len, const char *flag, enum pfp_state cur)
{
	size_t flen = strlen(flag);

	if (len == 5 + flen && memcmp(tok, "-XX:", 4) == 0 && memcmp(tok + 5, flag, flen) == 0) {
		if (tok[4] == '+')
			return PFP_ON;
		if (tok[4] == '-')
			return PFP_OFF;
	}
	if ((len >= 1 && tok[0] == '@') || (len >= 18 && memcmp(tok, "-XX:VMOptionsFile=", 18) == 0) ||
	    (len >= 10 && memcmp(tok, "-XX:Flags=", 10) == 0))
		return PFP_UNKNOWN;
	return cur;
}

/* Walk an options environment variable the way the JVM splits it: blanks
 * separate, single or double quotes group. */
static enum pfp_state flag_in_optstring(const char *s, const char *flag, enum pfp_state cur)
{
	char tok[128];
	size_t len = 0;
	bool overflow = false, in_tok = false;
	char quote = 0;

	if (!s)
		return cur;
	for (;; s++) {
		char c = *s;

		if (c == '\0' || (!quote && isspace((unsigned char)c))) {
			if (in_tok && !overflow)
				cur = flag_apply(tok, len, flag, cur);
			in_tok = overflow = false;
			len = 0;
			if (c == '\0')
				break;
			continue;
		}
		in_tok = true;
		if (quote && c == quote) {
			quote = 0;
			continue;
		}
		if (!quote && (c == '\'' || c == '"')) {
			quote = c;
			continue;
		}
		/* Too long to be the flag; remembered so it cannot match. */
		if (len + 1 >= sizeof(tok))
			overflow = true;
		else
			tok[len++] = c;
	}
	return cur;
}

static enum pfp_state flag_scan(char *const argv[], int argc, const char *java_tool_options,
				const char *jdk_java_options, const char *flag, enum pfp_state cur)
{
	int main_idx = argv ? argv_main_index(argv, argc) : 0;

	/* HotSpot reads JAVA_TOOL_OPTIONS before the command line, and the
	 * launcher puts JDK_JAVA_OPTIONS in front of its own arguments. */
	cur = flag_in_optstring(java_tool_options, flag, cur);
	cur = flag_in_optstring(jdk_java_options, flag, cur);
	for (int i = 1; i < main_idx; i++)
		cur = flag_apply(argv[i], strlen(argv[i]), flag, cur);
	return cur;
}

enum pfp_state jvm_pfp_from_options(char *const argv[], int argc, const char *java_tool_options,
				    const char *jdk_java_options)
{
	/* PreserveFramePointer is off unless something turns it on. */
	return flag_scan(argv, argc, java_tool_options, jdk_java_options, "PreserveFramePointer", PFP_OFF);
}

/* Value of key in a NUL-separated environment block that is itself
 * NUL-terminated at env[len], or NULL. */
static const char *environ_get(const char *env, size_t len, const char *key)
{
	size_t klen = strlen(key);
	const char *p = env, *end = env + len;

	while (p < end) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		size_t n = nul ? (size_t)(nul - p) : (size_t)(end - p);

		if (n > klen && memcmp(p, key, klen) == 0 && p[klen] == '=')
			return p + klen + 1;
		p += n + 1;
	}
	return NULL;
}

static void resource_id_from_argv(char *const argv[], int argc, char *out, size_t out_len)
{
	static const char key[] = "taskmanager.resource-id=";
	const size_t klen = sizeof(key) - 1;

	/* Flink passes dynamic properties after the main class as "-D k=v"; a
	 * JVM system property "-Dk=v" works as well. The last one wins. */
	for (int i = 1; i < argc && argv[i]; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-D") == 0 && i + 1 < argc && argv[i + 1])
			a = argv[++i];
		else if (strncmp(a, "-D", 2) == 0)
			a += 2;
		else
			continue;
		if (strncmp(a, key, klen) == 0)
			copy_str(out, out_len, a + klen);
	}
}

/* Path of the libjvm.so mapped by pid, if any. */
static int maps_find_libjvm(pid_t pid, char *path, size_t path_len)
{
	char maps[64];
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;
	int err = -ENOENT;

	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)pid);
	f = fopen(maps, "re");
	if (!f)
		return errno == ENOENT || !proc_exists(pid) ? -ESRCH : -errno;
	while ((n = getline(&line, &cap, f)) > 0) {
		char *p;
		size_t len;

		if (line[n - 1] == '\n')
			line[--n] = '\0';
		p = strchr(line, '/');
		if (!p)
			continue;
		len = strlen(p);
		if (len > 10 && strcmp(p + len - 10, " (deleted)") == 0)
			p[len -= 10] = '\0';
		if (len >= 10 && strcmp(p + len - 10, "/libjvm.so") == 0 && len < path_len) {
			memcpy(path, p, len + 1);
			err = 0;
			break;
		}
	}
	free(line);
	fclose(f);
	return err;
}

/* JAVA_VERSION="17.0.21" from the text of a JDK release file. */
bool jvm_version_from_release(const char *text, size_t len, char *out, size_t out_len)
{
	static const char key[] = "JAVA_VERSION=";
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n;

		if (!eol)
			eol = end;
		n = (size_t)(eol - p);
		if (n > sizeof(key) - 1 && memcmp(p, key, sizeof(key) - 1) == 0) {
			const char *v = p + sizeof(key) - 1;
			size_t vlen = (size_t)(eol - v);

			while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '"'))
				vlen--;
			if (vlen > 0 && *v == '"') {
				v++;
				vlen--;
			}
			if (vlen == 0 || vlen >= out_len || memchr(v, '\0', vlen))
				return false;
			memcpy(out, v, vlen);
			out[vlen] = '\0';
			return true;
		}
		p = eol + 1;
	}
	return false;
}

static bool release_read_version(pid_t pid, uid_t uid, const char *rel_path, char *out, size_t out_len)
{
	char *text = NULL;
	size_t len;
	bool ok = false;
	int fd;

	/* The target may own its JDK: resolve inside its root, no symlinks. */
	fd = safe_open_in_root(pid, rel_path, uid);
	if (fd < 0)
		return false;
	if (read_fd_all(fd, RELEASE_MAX, &text, &len) == 0)
		ok = jvm_version_from_release(text, len, out, out_len);
	free(text);
	close(fd);
	return ok;
}

/* Cut the last path component: "/a/b" -> "/a". False at the root. */
static bool path_up(char *path)
{
	char *slash = strrchr(path, '/');

	if (!slash || slash == path)
		return false;
	*slash = '\0';
	return true;
}

static bool component_has_mark(const char *c, size_t len)
{
	static const char *const marks[] = { "jdk", "jre", "java", "openjdk" };

	for (size_t m = 0; m < sizeof(marks) / sizeof(marks[0]); m++)
		if (memmem(c, len, marks[m], strlen(marks[m])))
			return true;
	return false;
}

/* A version starts a component, follows a separator, or directly follows
 * "jdk"/"jre" (jdk1.8.0_292); digits glued to other letters are things like
 * amd64 or a store hash. */
static bool version_start_ok(const char *c, const char *p)
{
	if (p == c || p[-1] == '-' || p[-1] == '_')
		return true;
	return p - c >= 3 && (memcmp(p - 3, "jdk", 3) == 0 || memcmp(p - 3, "jre", 3) == 0);
}

static bool version_in_component(const char *c, size_t len, char *out, size_t out_len)
{
	for (const char *p = c; p < c + len; p++) {
		size_t n = 0;

		if (!isdigit((unsigned char)*p) || (p > c && isdigit((unsigned char)p[-1])) ||
		    !version_start_ok(c, p))
			continue;
		while (p + n < c + len && (isdigit((unsigned char)p[n]) || p[n] == '.' || p[n] == '_' || p[n] == '+'))
			n++;
		while (n > 0 && !isdigit((unsigned char)p[n - 1]))
			n--;
		if (n >= out_len)
			return false;
		memcpy(out, p, n);
		out[n] = '\0';
		return true;
	}
	return false;
}

/* Guess from directory names when no release file can be read. */
bool jvm_version_from_path(const char *libjvm, char *out, size_t out_len)
{
	const char *c = libjvm;

	while (c && *c) {
		const char *slash = strchr(c, '/');
		size_t len = slash ? (size_t)(slash - c) : strlen(c);

		if (component_has_mark(c, len) && version_in_component(c, len, out, out_len))
			return true;
		c = slash ? slash + 1 : NULL;
	}
	return false;
}

static void jdk_version_read(pid_t pid, uid_t uid, const char *libjvm, char *out, size_t out_len)
{
	char dir[PATH_MAX], rel[PATH_MAX + 16];

	snprintf(dir, sizeof(dir), "%s", libjvm);
	for (int up = 0; up < RELEASE_MAX_UP && path_up(dir); up++) {
		snprintf(rel, sizeof(rel), "%s/release", dir + 1);
		if (release_read_version(pid, uid, rel, out, out_len))
			return;
	}
	if (!jvm_version_from_path(libjvm, out, out_len))
		out[0] = '\0';
}

static void options_read(pid_t pid, char *const argv[], int argc, struct jvm_info *out)
{
	const char *jto = NULL, *jdk = NULL, *late = NULL;
	enum pfp_state start = PFP_OFF, att;
	char *env = NULL;
	size_t len = 0;

	if (proc_file_read(pid, "environ", ENVIRON_MAX, &env, &len) == 0) {
		jto = environ_get(env, len, "JAVA_TOOL_OPTIONS");
		jdk = environ_get(env, len, "JDK_JAVA_OPTIONS");
		late = environ_get(env, len, "_JAVA_OPTIONS");
	} else {
		/* Without the environment, only an explicit command line tells. */
		start = PFP_UNKNOWN;
	}
	/* _JAVA_OPTIONS comes after the command line and overrides it. */
	out->pfp = flag_scan(argv, argc, jto, jdk, "PreserveFramePointer", start);
	out->pfp = flag_in_optstring(late, "PreserveFramePointer", out->pfp);
	att = flag_scan(argv, argc, jto, jdk, "DisableAttachMechanism", PFP_OFF);
	att = flag_in_optstring(late, "DisableAttachMechanism", att);
	out->attach_disabled = att == PFP_ON;
	free(env);
}

int jvm_info_read(pid_t pid, struct jvm_info *out)
{
	struct proc_status st;
	char libjvm[PATH_MAX];
	char **argv = NULL;
	int argc = 0, err;

	memset(out, 0, sizeof(*out));
	err = proc_status_read(pid, &st);
	if (err)
		goto cleanup;
	err = maps_find_libjvm(pid, libjvm, sizeof(libjvm));
	if (err)
		goto cleanup;
	err = proc_argv_read(pid, &argv, &argc);
	if (err)
		goto cleanup;
	out->pid = pid;
	out->nspid = st.nspid;
	out->uid = st.euid;
	out->gid = st.egid;
	out->kind = jvm_kind_from_argv(argv, argc, out->main_class, sizeof(out->main_class));
	resource_id_from_argv(argv, argc, out->resource_id, sizeof(out->resource_id));
	options_read(pid, argv, argc, out);
	jdk_version_read(pid, st.euid, libjvm, out->jdk_version, sizeof(out->jdk_version));
	out->in_container = proc_in_other_pidns(pid);
cleanup:
	proc_argv_free(argv);
	return err;
}

static int jvm_cmp_pid(const void *a, const void *b)
{
	const struct jvm_info *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

static int jvm_list_append(struct jvm_info **list, size_t *n, size_t *cap, const struct jvm_info *info)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct jvm_info *nl = realloc(*list, ncap * sizeof(**list));

		if (!nl)
			return -ENOMEM;
		*list = nl;
		*cap = ncap;
	}
	(*list)[(*n)++] = *info;
	return 0;
}

static pid_t dirent_pid(const struct dirent *de)
{
	char *end;
	long v;

	if (de->d_name[0] < '1' || de->d_name[0] > '9')
		return 0;
	errno = 0;
	v = strtol(de->d_name, &end, 10);
	if (errno || *end || v > INT_MAX)
		return 0;
	return (pid_t)v;
}

int jvm_list(struct jvm_info **out, size_t *count)
{
	struct jvm_info *list = NULL, info;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int err = 0;

	d = opendir("/proc");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		pid_t pid = dirent_pid(de);
		int r;

		if (pid <= 0)
			continue;
		r = jvm_info_read(pid, &info);
		if (r) {
			/* Processes come and go, and other users' maps may be closed to us. */
			if (r != -ENOENT && r != -ESRCH)
				log_debug("pid %d: cannot inspect: %s", (int)pid, strerror(-r));
			continue;
		}
		err = jvm_list_append(&list, &n, &cap, &info);
		if (err)
			goto cleanup;
	}
	if (n > 1)
		qsort(list, n, sizeof(*list), jvm_cmp_pid);
	*out = list;
	*count = n;
	list = NULL;
cleanup:
	free(list);
	closedir(d);
	return err;
}
