"""Helpers shared by the generators of bench/frameworks/ (standard library only)."""


class Refused(Exception):
    """A framework cannot express what the spec asks (the message says why): codegen.py exits 3."""


def py(v):
    """A float as the shortest Python literal that reads back exactly (0.9, 1e-08)."""
    return repr(float(v))


def flat_layers(layers, prefix=""):
    """(tensor-name prefix, layer) for every layer, depth first; a Residual's sub-layers are
    "residual_1.main.conv_2" (cnnbench's tensor names), after the Residual itself."""
    for l in layers:
        path = prefix + l["name"]
        yield path, l
        if l["kind"] == "residual":
            for branch in ("main", "shortcut"):
                yield from flat_layers(l[branch], f"{path}.{branch}.")


class Writer:
    """Collects source lines."""

    def __init__(self):
        self.lines = []

    def line(self, s=""):
        self.lines.append(s)

    def blank(self, n=1):
        self.lines.extend([""] * n)

    def code(self, block):
        self.lines.extend(block.strip("\n").split("\n"))

    def text(self):
        return "\n".join(self.lines).rstrip() + "\n"
