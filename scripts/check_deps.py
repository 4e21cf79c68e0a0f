#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Checks that the tree's #include "..." dependencies run one way (`make check-deps`).

Fails (exit 1, one line per problem) on:
  - an include cycle between headers;
  - a cycle between modules (a module is a .c file with its .h: A depends on B when A.c or A.h
    includes B.h, directly or through headers that belong to no .c), so that no two rooms lean
    on each other;
  - a layer crossing: user/lib/ (pure libraries) includes only user/lib/ and include/ headers,
    bpf/ only bpf/, include/ and vmlinux/.
Headers it cannot find (generated skeletons, version.h) are not part of the graph.
Usage: scripts/check_deps.py [--root DIR]
"""
import argparse
import os
import re
import sys

SOURCE_DIRS = ("include", "user", "bpf", "tests", "bench")
# The -I paths of the Makefile, in order, after the including file's own directory.
SEARCH = ("include", "user", "bpf", "vmlinux")
LAYERS = {
    "user/lib/": ("user/lib/", "include/"),
    "bpf/": ("bpf/", "include/", "vmlinux/"),
}
# Known module cycles, each with why it stands; any other cycle fails. Remove an entry when its
# cycle is gone (the check fails on an entry that no longer matches, so the list stays true).
KNOWN_CYCLES: set = set()
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def sources(root):
    for top in SOURCE_DIRS:
        for d, _, files in os.walk(os.path.join(root, top)):
            for f in files:
                if f.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(d, f), root)


def resolve(root, src, name):
    for base in (os.path.dirname(src),) + SEARCH:
        path = os.path.normpath(os.path.join(base, name))
        if os.path.isfile(os.path.join(root, path)):
            return path
    return None


def graph(root):
    edges = {}
    for src in sources(root):
        with open(os.path.join(root, src), errors="replace") as f:
            text = f.read()
        deps = [resolve(root, src, n) for n in INCLUDE.findall(text)]
        edges[src] = sorted({d for d in deps if d})
    return edges


def cycles(edges):
    """Every cycle found by a depth-first walk, each once (as a list of nodes)."""
    found, state, stack = [], {}, []

    def walk(n):
        state[n] = 1
        stack.append(n)
        for m in edges.get(n, ()):
            if state.get(m) == 1:
                found.append(stack[stack.index(m):] + [m])
            elif not state.get(m):
                walk(m)
        stack.pop()
        state[n] = 2

    for n in sorted(edges):
        if not state.get(n):
            walk(n)
    return found


def module(path):
    return os.path.splitext(path)[0]


def module_edges(edges):
    """Module -> modules it includes a header of; header-only headers are looked through."""
    with_c = {module(f) for f in edges if f.endswith(".c")}
    out = {}
    for a in with_c:
        seen, todo, deps = set(), [f for f in edges if module(f) == a], set()
        while todo:
            for d in edges.get(todo.pop(), ()):
                b = module(d)
                if d in seen or b == a or not d.endswith(".h"):
                    continue
                seen.add(d)
                if b in with_c:
                    deps.add(b)
                else:
                    todo.append(d)
        out[a] = sorted(deps)
    return out


def layer_crossings(edges):
    for src, deps in sorted(edges.items()):
        for prefix, allowed in LAYERS.items():
            if src.startswith(prefix):
                for d in deps:
                    if not d.startswith(allowed):
                        yield f"{src} includes {d}: {prefix} may include only {', '.join(allowed)}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=os.path.join(os.path.dirname(__file__), ".."))
    root = ap.parse_args().root
    edges = graph(root)
    headers = {k: [d for d in v if d.endswith(".h")] for k, v in edges.items() if k.endswith(".h")}
    problems = [f"include cycle: {' -> '.join(c)}" for c in cycles(headers)]
    mcycles = cycles(module_edges(edges))
    known = [c for c in mcycles if tuple(sorted(set(c))) in KNOWN_CYCLES]
    problems += [f"module cycle: {' -> '.join(c)}" for c in mcycles if c not in known]
    present = {module(f) for f in edges}
    stale = {k for k in KNOWN_CYCLES if set(k) <= present} - {tuple(sorted(set(c))) for c in known}
    problems += [f"known cycle {' <-> '.join(k)} is gone: remove it from KNOWN_CYCLES" for k in stale]
    problems += list(layer_crossings(edges))
    for p in problems:
        print(f"check-deps: {p}")
    nmod = len({module(s) for s in edges})
    if problems:
        return 1
    print(f"check-deps: {len(edges)} files, {nmod} modules: no include cycle, no module cycle "
          f"({len(known)} known, listed in KNOWN_CYCLES), layers respected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
