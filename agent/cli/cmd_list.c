// SPDX-License-Identifier: GPL-2.0
#include "agent/cli/cmd_list.h"

#include "agent/core/exit_codes.h"
#include "agent/core/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const usage_text =
	"usage: tmprof list [--all] [--json]\n"
	"\n"
	"Lists every JVM on this host and tells which are Flink TaskManagers and\n"
	"where their Java frames come from (JAVA: hotspot = tmprof reads the JVM's\n"
	"own stack layout, perfmap = the JVM's perf map, none; why below the table).\n"
	"  --all    also show namespace pid, uid, attach state and resource id\n"
	"  --json   print a JSON array instead of a table\n";

static const char *pfp_name(enum pfp_state pfp)
{
	return pfp == PFP_ON ? "on" : pfp == PFP_OFF ? "off" : "?";
}

static const char *kind_id(enum jvm_kind kind)
{
	switch (kind) {
	case JVM_TM_STANDALONE:
		return "taskmanager-standalone";
	case JVM_TM_YARN:
		return "taskmanager-yarn";
	case JVM_TM_KUBERNETES:
		return "taskmanager-kubernetes";
	default:
		return "other";
	}
}

/* A TaskManager is better told apart by its resource id than by its class,
 * which the KIND column already implies. */
static const char *main_column(const struct jvm_info *j)
{
	if (jvm_kind_is_taskmanager(j->kind) && j->resource_id[0])
		return j->resource_id;
	return j->main_class[0] ? j->main_class : "?";
}

static const struct java_source_info *source_of(const struct java_source_info *src, size_t i)
{
	static const struct java_source_info unknown = { JAVA_SOURCE_UNKNOWN, "" };

	return src ? &src[i] : &unknown;
}

static void table_print(FILE *out, const struct jvm_info *jvms,
			const struct java_source_info *src, size_t count, bool all)
{
	fprintf(out, "%-8s %-24s %-12s %-9s %-3s %-7s ", "PID", "KIND", "JDK", "CONTAINER", "PFP",
		"JAVA");
	if (all)
		fprintf(out, "%-8s %-6s %-8s %-20s ", "NSPID", "UID", "ATTACH", "RESOURCE-ID");
	fprintf(out, "MAIN\n");
	for (size_t i = 0; i < count; i++) {
		const struct jvm_info *j = &jvms[i];

		fprintf(out, "%-8d %-24s %-12s %-9s %-3s %-7s ", (int)j->pid, jvm_kind_name(j->kind),
			j->jdk_version[0] ? j->jdk_version : "?", j->in_container ? "yes" : "no",
			pfp_name(j->pfp), java_source_name(source_of(src, i)->source));
		if (all)
			fprintf(out, "%-8d %-6u %-8s %-20s %s\n", (int)j->nspid, (unsigned)j->uid,
				j->attach_disabled ? "disabled" : "enabled",
				j->resource_id[0] ? j->resource_id : "-", j->main_class[0] ? j->main_class : "?");
		else
			fprintf(out, "%s\n", main_column(j));
	}
	for (size_t i = 0; i < count; i++) {
		const struct java_source_info *js = source_of(src, i);

		if (js->why[0])
			fprintf(out, "PID %d: Java frames: %s: %s\n", (int)jvms[i].pid,
				java_source_name(js->source), js->why);
	}
}

/* Length of the valid UTF-8 sequence at s, or 0. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	n = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* Command lines are arbitrary bytes; the output must stay valid JSON. */
static void json_string(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', out);
	while (*s) {
		size_t n;

		if (*s == '"' || *s == '\\') {
			fprintf(out, "\\%c", *s++);
		} else if (*s < 0x20 || *s == 0x7f) {
			fprintf(out, "\\u%04x", *s++);
		} else if (*s < 0x80) {
			fputc(*s++, out);
		} else if ((n = utf8_len(s)) > 0) {
			fwrite(s, 1, n, out);
			s += n;
		} else {
			fputs("\\ufffd", out);
			s++;
		}
	}
	fputc('"', out);
}

static void json_field(FILE *out, const char *key, const char *value, bool null_if_empty)
{
	fprintf(out, ", \"%s\": ", key);
	if (null_if_empty && !value[0])
		fputs("null", out);
	else
		json_string(out, value);
}

static void json_print(FILE *out, const struct jvm_info *jvms,
		       const struct java_source_info *src, size_t count)
{
	fputc('[', out);
	for (size_t i = 0; i < count; i++) {
		const struct jvm_info *j = &jvms[i];

		fprintf(out, "%s\n  {\"pid\": %d, \"nspid\": %d, \"uid\": %u, \"gid\": %u", i ? "," : "",
			(int)j->pid, (int)j->nspid, (unsigned)j->uid, (unsigned)j->gid);
		json_field(out, "kind", kind_id(j->kind), false);
		fprintf(out, ", \"taskmanager\": %s", jvm_kind_is_taskmanager(j->kind) ? "true" : "false");
		json_field(out, "jdk", j->jdk_version, true);
		fprintf(out, ", \"container\": %s", j->in_container ? "true" : "false");
		json_field(out, "pfp", j->pfp == PFP_UNKNOWN ? "unknown" : pfp_name(j->pfp), false);
		fprintf(out, ", \"attach_disabled\": %s", j->attach_disabled ? "true" : "false");
		json_field(out, "main_class", j->main_class, true);
		json_field(out, "resource_id", j->resource_id, true);
		json_field(out, "java_frames", java_source_name(source_of(src, i)->source), false);
		json_field(out, "java_frames_why", source_of(src, i)->why, true);
		fputc('}', out);
	}
	fputs(count ? "\n]\n" : "]\n", out);
}

int cmd_list_print(FILE *out, const struct jvm_info *jvms, const struct java_source_info *src,
		   size_t count, bool json, bool all)
{
	if (json)
		json_print(out, jvms, src, count);
	else if (count == 0)
		fputs("no JVMs found\n", out);
	else
		table_print(out, jvms, src, count, all);
	return fflush(out) == 0 && !ferror(out) ? 0 : -EIO;
}

static int args_parse(int argc, char **argv, bool *json, bool *all)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			*json = true;
		} else if (strcmp(argv[i], "--all") == 0) {
			*all = true;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage_text, stdout);
			return 1;
		} else {
			log_error("list: unknown option '%s'; 'tmprof list --help' shows the options", argv[i]);
			return -EINVAL;
		}
	}
	return 0;
}

int cmd_list(int argc, char **argv)
{
	struct jvm_info *jvms = NULL;
	struct java_source_info *src = NULL;
	bool json = false, all = false;
	size_t count = 0;
	int err, rc = EXIT_OK;

	err = args_parse(argc, argv, &json, &all);
	if (err)
		return err > 0 ? EXIT_OK : EXIT_USAGE;
	if (geteuid() != 0)
		log_warn("list: not running as root, so other users' JVMs may be missing; run it as root to see all");
	err = jvm_list(&jvms, &count);
	if (err) {
		log_error("list: cannot scan /proc: %s; is procfs mounted?", strerror(-err));
		return EXIT_NO_TARGET;
	}
	/* Without the sources the list is still worth printing ("?"). */
	src = count ? calloc(count, sizeof(*src)) : NULL;
	for (size_t i = 0; src && i < count; i++)
		java_source_probe(&jvms[i], &src[i]);
	if (cmd_list_print(stdout, jvms, src, count, json, all) < 0) {
		log_error("list: cannot write the output: %s", strerror(errno));
		rc = EXIT_OUTPUT;
	}
	free(src);
	free(jvms);
	return rc;
}
