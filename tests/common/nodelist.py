"""The kernel's list format ("0-3,8", as %*pbl prints it) for the Python tests."""


def nodelist(s):
    """the set of ids in a kernel list; an empty string or a lone newline is the empty set"""
    out = set()
    for part in filter(None, s.strip().split(",")):
        a, _, b = part.partition("-")
        out.update(range(int(a), int(b or a) + 1))
    return out
