"""TAP for the project's Python tests: numbered ok / not ok lines with the reason of a failure
as comments, # SKIP and # TODO, and the plan line with the exit status at the end.

    from tap import Tap
    tap = Tap()
    tap(ok, "what the check promises", "why it failed")
    ...
    return tap.done()
"""


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def __call__(self, ok, name, why="", todo=None):
        """one check; @todo (a reason) marks a known gap: its failure is not counted"""
        self.n += 1
        self.failed += not ok and not todo
        print(f"{'ok' if ok else 'not ok'} {self.n} - {name}{' # TODO ' + todo if todo else ''}",
              flush=True)
        for line in why.splitlines() if not ok else []:
            print(f"# {line}")

    def skip(self, name, why):
        self.n += 1
        print(f"ok {self.n} - {name} # SKIP {why}", flush=True)

    def done(self, need_some=False):
        """print the plan; the exit status: 1 when a check failed (or, with @need_some, when
        there was none)"""
        print(f"1..{self.n}")
        return 1 if self.failed or (need_some and not self.n) else 0
