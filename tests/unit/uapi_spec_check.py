#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Check that uapi/linux/sovereign.h and the YNL spec agree; print TAP."""
import re
import subprocess
import sys
import tempfile
import os

import yaml

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
HDR = os.path.join(ROOT, "uapi/linux/sovereign.h")
# headers whose constants the spec must name (sovereign_sched.h is rtnetlink's)
HDRS = [HDR, os.path.join(ROOT, "uapi/linux/sovereign_mc.h"),
        os.path.join(ROOT, "uapi/linux/sovereign_prof.h"),
        os.path.join(ROOT, "uapi/linux/sovereign_trace.h"),
        os.path.join(ROOT, "uapi/linux/sovereign_netio.h")]
SPEC = os.path.join(ROOT, "Documentation/netlink/specs/sovereign.yaml")


def c_name(*parts):
    return "_".join(p.upper().replace("-", "_") for p in parts)


def expected(spec):
    """Every C constant the spec implies, with its value."""
    want = {}
    for d in spec["definitions"]:
        if d["type"] == "const":
            key = {"genl-version": "SOV_GENL_VERSION",
                   "ctl-family-id": "SOV_CTL_FAMILY_ID"}.get(
                       d["name"], c_name("sov", d["name"]))
            want[key] = d["value"]
        else:
            prefix = {"subsys": "SOV_SUBSYS", "module-state": "SOV_MODULE",
                      "lb-policy": "SOV_LB_POLICY", "lb-mode": "SOV_LB_MODE",
                      "lb-fallback": "SOV_LB_FALLBACK", "lb-hc-type": "SOV_LB_HC",
                      "lb-health": "SOV_LB_HEALTH",
                      "lb-xdp-mode": "SOV_LB_XDP",
                      "lb-event": "SOV_LB_EVENT",
                      "raft-msg": "SOV_RAFT_MSG",
                      "raft-entry": "SOV_RAFT_ENTRY",
                      "raft-role": "SOV_RAFT_ROLE",
                      "raft-progress": "SOV_RAFT_PROGRESS",
                      "mc-level": "SOV_MC_LEVEL",
                      "mc-event": "SOV_MC_EVENT",
                      "mc-policy": "SOV_MC_POLICY",
                      "mc-action": "SOV_MC_ACTION",
                      "prof-kind": "SOV_PROF_KIND",
                      "prof-state": "SOV_PROF_STATE",
                      "prof-mode": "SOV_PROF_MODE",
                      "trace-source": "SOV_TRACE_SOURCE"}[d["name"]]
            for i, e in enumerate(d["entries"]):
                want[c_name(prefix, e)] = i
            if d["name"] == "subsys":
                want["__SOV_SUBSYS_CNT"] = len(d["entries"])
    for s in spec["attribute-sets"]:
        want[c_name("sov_a", s["name"], "unspec")] = 0
        for i, a in enumerate(s["attributes"], 1):
            want[c_name("sov_a", s["name"], a["name"])] = i
        want[c_name("sov_a", s["name"], "max")] = len(s["attributes"])
    want["SOV_CMD_UNSPEC"] = 0
    for i, op in enumerate(spec["operations"]["list"], 1):
        want[c_name("sov_cmd", op["name"])] = i
    want["SOV_CMD_MAX"] = len(spec["operations"]["list"])
    return want


def actual():
    """Evaluate the header's constants with the C compiler, not by regex."""
    code = re.sub(r"/\*.*?\*/", "", "".join(open(h).read() for h in HDRS), flags=re.S)
    names = set(re.findall(r"\b(_*SOV_[A-Z0-9_]+)\b", code))
    names = sorted(n for n in names if not n.startswith("_UAPI"))
    prog = "#include <stdio.h>\n#include \"%s\"\nint main(void){\n" % HDR
    for n in names:
        if n in ("SOV_GENL_NAME", "SOV_GENL_MCGRP_EVENTS", "SOV_CTL_PATH"):
            prog += 'printf("%s %%s\\n", %s);\n' % (n, n)
        else:
            prog += 'printf("%s %%lld\\n", (long long)(%s));\n' % (n, n)
    prog += "return 0;}\n"
    with tempfile.TemporaryDirectory() as d:
        src, exe = os.path.join(d, "h.c"), os.path.join(d, "h")
        open(src, "w").write(prog)
        subprocess.run(["cc", "-o", exe, src], check=True)
        out = subprocess.run([exe], check=True, capture_output=True, text=True).stdout
    vals = {}
    for line in out.splitlines():
        k, v = line.split(" ", 1)
        vals[k] = v
    return vals


def main():
    spec = yaml.safe_load(open(SPEC))
    want, have = expected(spec), actual()
    results = []
    for k, v in sorted(want.items()):
        ok = k in have and have[k] == str(v)
        results.append((ok, "%s = %s" % (k, v),
                        "header has %s" % have.get(k, "nothing")))
    results.append((have.get("SOV_GENL_NAME") == spec["name"], "family name",
                    "header %s, spec %s" % (have.get("SOV_GENL_NAME"), spec["name"])))
    grp = spec["mcast-groups"]["list"][0]["name"]
    results.append((have.get("SOV_GENL_MCGRP_EVENTS") == grp, "mcast group",
                    "header %s, spec %s" % (have.get("SOV_GENL_MCGRP_EVENTS"), grp)))
    # and nothing in the header that the spec does not know
    extra = [k for k in have if k not in want and not k.startswith("__")
             and k not in ("SOV_GENL_NAME", "SOV_GENL_MCGRP_EVENTS", "SOV_CTL_PATH")]
    results.append((not extra, "no header constant missing from the spec",
                    "only in the header: " + ", ".join(extra)))

    print("1..%d" % len(results))
    failed = 0
    for i, (ok, name, why) in enumerate(results, 1):
        if ok:
            print("ok %d - uapi-spec: %s" % (i, name))
        else:
            failed += 1
            print("not ok %d - uapi-spec: %s (%s)" % (i, name, why))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
