"""Records, with PyTorch, the output shape and parameter count of every module of the
networks that cmd/describe -pytorch generated, for lenet's test of Describe
(lenet/testdata/torch_shapes.json; CI has no PyTorch, so the table is committed).

    python3 scripts/torch_shapes.py OUT.json MODULE.py...

Each MODULE.py is the output of 'describe -model SPEC -pytorch'; the table maps its
SPEC to one row per module: {"module": repr, "shape": [...], "params": n}.
"""
import importlib.util
import json
import sys

import torch


def rows(path):
    spec = importlib.util.spec_from_file_location("net", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    net = mod.build()
    x = torch.zeros(1, 1, 28, 28)
    out = []
    for m in net:
        x = m(x)
        out.append({"module": repr(m), "shape": list(x.shape[1:]),
                    "params": sum(p.numel() for p in m.parameters())})
    return mod.SPEC, out


def main():
    table = {}
    for path in sys.argv[2:]:
        spec, r = rows(path)
        table[spec] = r
    # One line per module, so a diff of the table reads row by row.
    lines = ['{"torch": %s, "specs": {' % json.dumps(torch.__version__)]
    for i, spec in enumerate(sorted(table)):
        lines.append(" %s: [" % json.dumps(spec))
        rows_ = [json.dumps(r, sort_keys=True) for r in table[spec]]
        lines.append(",\n".join("  " + r for r in rows_))
        lines.append(" ]" + ("," if i < len(table) - 1 else ""))
    lines.append("}}")
    with open(sys.argv[1], "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
