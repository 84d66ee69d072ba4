"""A sample argv for each command, built from its COMMAND DOCS arguments.

Every required argument gets a value; optional and repeated arguments that hold keys are
included (repeated ones twice) so that the sample exercises every key spec; keys are named
k1, k2, ... in order; a `numkeys`-like count is set to the number of items after it.
Commands whose syntax the arguments cannot express are in OVERRIDES.
"""

# Commands whose docs' argument list does not give a valid argv with all its keys.
OVERRIDES = {
    # The key is "" when the KEYS form is used.
    ("MIGRATE", None): ["MIGRATE", "127.0.0.1", "6379", "", "0", "5000", "KEYS", "k1", "k2"],
    # A keyword and its key somewhere in the middle.
    ("SORT", None): ["SORT", "k1", "BY", "nosort", "STORE", "k2"],
    ("GEORADIUS", None): ["GEORADIUS", "k1", "0", "0", "1", "km", "STORE", "k2"],
    ("GEORADIUSBYMEMBER", None): ["GEORADIUSBYMEMBER", "k1", "m", "1", "km", "STORE", "k2"],
    # Two streams, then their two ids.
    ("XREAD", None): ["XREAD", "COUNT", "1", "STREAMS", "k1", "k2", "0", "0"],
    ("XREADGROUP", None): ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "k1", "k2", ">", ">"],
    # Subcommand tokens that the docs nest in a oneof.
    # Their docs list no arguments.
    ("COMMAND", "GETKEYS"): ["COMMAND", "GETKEYS", "GET", "k"],
    ("COMMAND", "GETKEYSANDFLAGS"): ["COMMAND", "GETKEYSANDFLAGS", "GET", "k"],
    ("DEBUG", None): ["DEBUG", "HELP"],
}

COUNT_NAMES = {"numkeys", "numfields"}


def has_key(arg):
    return arg["type"] == "key" or any(has_key(a) for a in arg.get("arguments", []))


class Builder:
    def __init__(self):
        self.keys = 0

    def key(self):
        self.keys += 1
        return "k%d" % self.keys

    def args(self, args):
        out = []
        for i, a in enumerate(args):
            flags = a.get("flags", [])
            if "optional" in flags and not has_key(a):
                continue
            if a["type"] == "integer" and a["name"] in COUNT_NAMES and i + 1 < len(args):
                out.append(str(self.repeats(args[i + 1])))
                continue
            for n in range(self.repeats(a)):
                if a.get("token") and (n == 0 or "multiple_token" in flags):
                    out.append(a["token"])
                out += self.value(a)
        return out

    @staticmethod
    def repeats(arg):
        flags = arg.get("flags", [])
        if "optional" in flags and not has_key(arg):
            return 0
        return 2 if "multiple" in flags and has_key(arg) else 1

    def value(self, a):
        t = a["type"]
        if t == "pure-token":
            return []
        if t == "key":
            return [self.key()]
        if t in ("integer", "double", "unix-time"):
            return ["1"]
        if t == "pattern":
            return ["*"]
        if t == "string":
            return ["v"]
        if t == "block":
            return self.args(a["arguments"])
        if t == "oneof":
            choices = a["arguments"]
            pick = next((c for c in choices if has_key(c)), choices[0])
            pick = dict(pick, flags=[f for f in pick.get("flags", []) if f != "optional"])
            return self.args([pick])
        raise ValueError("unknown argument type %r" % t)


def sample_argv(name, sub, entry):
    if "sample" in entry:
        return entry["sample"]
    if (name, sub) in OVERRIDES:
        return OVERRIDES[(name, sub)]
    head = [name] + ([sub] if sub else [])
    return head + Builder().args(entry.get("arguments", []))
