#!/usr/bin/env python3
# Every function declared in include/libtopo.h is documented in man/libtopo.3 (in the
# SYNOPSIS and in the text) and exported in libtopo/libtopo.sym; the page names no function
# the header lacks. TAP output.
# usage: test-man.py SOURCE_ROOT
import re, sys

root = sys.argv[1]
header = open(f'{root}/include/libtopo.h').read()
header = re.sub(r'/\*.*?\*/', '', header, flags=re.S)
declared = sorted(set(re.findall(r'\b(topo_[a-z0-9_]+)\s*\(', header)))
page = open(f'{root}/man/libtopo.3').read()
synopsis = page.split('.SH SYNOPSIS', 1)[1].split('.SH DESCRIPTION', 1)[0]
text = page.split('.SH DESCRIPTION', 1)[1]
sym = open(f'{root}/libtopo/libtopo.sym').read()
exported = set(re.findall(r'^\s*(topo_[a-z0-9_]+);', sym, flags=re.M))
named = set(re.findall(r'\b(topo_[a-z0-9_]+)\b', page.replace('\\-', '-')))
types = set(re.findall(r'\b(topo_[a-z0-9_]+)\b(?!\s*\()', header))  # struct/enum/typedef names

n = 0
failed = 0
def check(ok, name, detail=()):
    global n, failed
    n += 1
    print(f"{'ok' if ok else 'not ok'} {n} - {name}")
    if not ok:
        failed += 1
        for d in detail:
            print(f'# {d}')

check(len(declared) > 100, f'the header declares {len(declared)} functions')
missing = [f for f in declared if not re.search(r'\b%s\(' % f, synopsis)]
check(not missing, 'every function of libtopo.h has its prototype in the SYNOPSIS', missing)
missing = [f for f in declared if not re.search(r'\b%s\b' % f, text)]
check(not missing, 'every function of libtopo.h is described in the text', missing)
missing = [f for f in declared if f not in exported]
check(not missing, 'every function of libtopo.h is exported by libtopo.sym', missing)
extra = sorted(f for f in exported if f not in declared)
check(not extra, 'libtopo.sym exports nothing the header does not declare', extra)
unknown = sorted(f for f in named if f not in declared and f not in types)
check(not unknown, 'the page names no function the header lacks', unknown)
print(f'1..{n}')
sys.exit(1 if failed else 0)
