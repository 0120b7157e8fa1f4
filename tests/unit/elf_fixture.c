// SPDX-License-Identifier: GPL-2.0
/* Test helper for building ELF files; see elf_fixture.h. */
#include "elf_fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int elf_fixture_tmpdir(char *path, size_t len)
{
	if (snprintf(path, len, "/tmp/tmprof-test-XXXXXX") >= (int)len)
		return -ENAMETOOLONG;
	return mkdtemp(path) ? 0 : -errno;
}

int elf_fixture_sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	int status;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	status = system(cmd);
	if (status == -1 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

void elf_fixture_rmdir(const char *dir)
{
	if (strncmp(dir, "/tmp/tmprof-test-", 17) == 0)
		elf_fixture_sh("rm -rf '%s'", dir);
}

int elf_fixture_write(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	const char *p = data;

	if (fd < 0)
		return -errno;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n <= 0) {
			close(fd);
			return -EIO;
		}
		p += n;
		len -= (size_t)n;
	}
	close(fd);
	return 0;
}

int elf_fixture_read(const char *path, unsigned char **data, size_t *len)
{
	struct stat sb;
	unsigned char *buf;
	FILE *f = fopen(path, "rb");

	if (!f)
		return -errno;
	if (fstat(fileno(f), &sb) < 0 || !(buf = malloc((size_t)sb.st_size + 1))) {
		fclose(f);
		return -EIO;
	}
	*len = fread(buf, 1, (size_t)sb.st_size, f);
	fclose(f);
	*data = buf;
	return 0;
}

static const char c_source[] =
	"int fixture_alpha(int x) { return x * 3 + 1; }\n"
	"static int __attribute__((noinline)) fixture_hidden(int x)\n"
	"{ volatile int y = x ^ 0x55; return y * 7; }\n"
	"int fixture_beta(int x) { return fixture_hidden(x) + fixture_alpha(x); }\n";

static const char cxx_source[] =
	"namespace ns {\n"
	"struct Widget { int run(int x) const; };\n"
	"int Widget::run(int x) const { return x * 5; }\n"
	"}\n"
	"extern \"C\" int fixture_alpha(int x) { ns::Widget w; return w.run(x); }\n";

int elf_fixture_build(const char *dir, const char *name, const char *cflags, int cxx)
{
	char src[4096];
	int ret;

	snprintf(src, sizeof(src), "%s/%s.%s", dir, name, cxx ? "cc" : "c");
	ret = elf_fixture_write(src, cxx ? cxx_source : c_source,
				strlen(cxx ? cxx_source : c_source));
	if (ret < 0)
		return ret;
	return elf_fixture_sh("gcc -shared -fPIC -O1 -Wl,--build-id %s -o '%s/%s' '%s'", cflags, dir,
			      name, src) == 0 ? 0 : -EIO;
}

int elf_fixture_symbol(const char *file, const char *symbol, uint64_t *vaddr)
{
	char cmd[4200], line[1024];
	FILE *p;
	int ret = -ENOENT;

	snprintf(cmd, sizeof(cmd), "nm '%s' 2>/dev/null; nm -D '%s' 2>/dev/null", file, file);
	p = popen(cmd, "r");
	if (!p)
		return -errno;
	while (fgets(line, sizeof(line), p)) {
		unsigned long long addr;
		char type, name[900];

		if (sscanf(line, "%llx %c %899s", &addr, &type, name) == 3 &&
		    strcmp(name, symbol) == 0) {
			*vaddr = addr;
			ret = 0;
		}
	}
	pclose(p);
	return ret;
}
