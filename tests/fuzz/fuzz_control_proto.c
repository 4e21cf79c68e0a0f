// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: arbitrary bytes as a control request line and as a reply line. A request
 * that parses must be one the client could have sent (its canonical line parses to the same
 * kind), and nothing may read out of bounds or leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/control_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct colo_ctl_request req, again;
	unsigned int k;
	json_t *reply;
	char why[160], *line;

	if (colo_ctl_request_parse((const char *)data, size, &req, why, sizeof(why)) ==
	    COLO_CTL_OK) {
		line = colo_ctl_request_line(req.kind);
		if (!line ||
		    colo_ctl_request_parse(line, strlen(line) - 1, &again, why, sizeof(why)) !=
			    COLO_CTL_OK ||
		    again.kind != req.kind)
			abort();
		free(line);
	}
	for (k = 0; k < COLO_CTL_REQUEST_MAX_KIND; k++) {
		if (!colo_ctl_reply_parse((const char *)data, size, k, &reply, why, sizeof(why)) &&
		    !json_is_object(reply))
			abort();
		json_decref(reply);
	}
	return 0;
}
