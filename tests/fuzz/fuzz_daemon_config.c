// SPDX-License-Identifier: GPL-2.0
/* Fuzz the daemon's INI config (libinih underneath, then tmprof's own
 * checks of every value) and the duration / size / listen parsers. */
#include <string.h>

#include "agent/daemon/daemon_config.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct daemon_config c;
	struct sockaddr_storage ss;
	socklen_t len;
	uint64_t v;
	char err[512];
	char *text = fuzz_strndup(data, size);

	daemon_config_defaults(&c);
	err[0] = '\0';
	if (daemon_config_parse(text, "fuzz.ini", &c, err, sizeof(err)) != 0 && !err[0])
		abort(); /* every rejection says why */
	if (!c.freq_hz || c.freq_hz > 1000 || !c.period_s || !c.events)
		abort(); /* defaults or checked values, never holes */
	daemon_config_free(&c);
	(void)daemon_parse_duration(text, &v);
	(void)daemon_parse_size(text, &v);
	(void)daemon_parse_listen(text, &ss, &len);
	free(text);
	return 0;
}
