/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A pcapng writer (blocks of the pcapng specification: section header, interface description,
 * enhanced packet), with the per-packet comments and named interfaces that pcap files cannot
 * carry. libpcap writes only pcap and Debian has no C library that writes pcapng, so the few
 * blocks needed are written here. Host byte order (the section header says which); timestamps
 * in nanoseconds (if_tsresol 9). Pure logic on a FILE.
 */
#ifndef COLO_PCAPNG_H
#define COLO_PCAPNG_H

#include <stdint.h>
#include <stdio.h>

/*
 * A section header (with comment, may be NULL) and one interface description per name, of
 * link type Ethernet and the given snap length. Interface ids are the names' indexes.
 * Returns 0, or -1 when a write failed.
 */
int colo_pcapng_section(FILE *f, const char *comment, const char *const *ifnames, unsigned int nif,
			uint32_t snaplen);

/* One enhanced packet block (comment may be NULL). Returns 0, or -1. */
int colo_pcapng_packet(FILE *f, uint32_t ifid, uint64_t ts_ns, const uint8_t *data, uint32_t len,
		       const char *comment);

#endif /* COLO_PCAPNG_H */
