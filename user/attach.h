/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Attach: colo-xdp's BPF programs onto an interface, as one transaction. The first attach of an
 * instance creates and pins its maps and ring buffers (instance.h); programs and maps outlive the
 * process that attached them. Serialised with detach on the host-wide lock.
 */
#ifndef COLO_ATTACH_H
#define COLO_ATTACH_H

#include "lib/attach_args.h" /* struct colo_attach_opts */

/*
 * Attaches the role's programs to o->ifname in the caller's network namespace:
 *   outside:   colo_outside_tc on tc ingress;
 *   primary:   capture (tc ingress, or XDP in o->xdp_mode);
 *   secondary: capture as primary, plus colo_rewrite_tc on tc egress.
 * Records what it did in colo_ifaces and the role's ifindex in colo_config. On failure nothing
 * of this call remains (and an instance it created is removed again). Prints a one-line error
 * when it fails. Returns 0, -ENODEV (no such interface), -EEXIST (already attached, or the
 * instance has this role on another interface), -EINVAL (the instance lives in another
 * namespace, or has another shard count or ring size than explicitly asked for) or another
 * -errno.
 */
int colo_attach(const struct colo_attach_opts *o);

#endif /* COLO_ATTACH_H */
