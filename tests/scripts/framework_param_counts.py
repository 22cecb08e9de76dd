"""Parameter counts of generated framework code, as the framework counts them.

    <venv>/bin/python framework_param_counts.py CODE_DIR FRAMEWORK WORK_DIR SPEC.json...

For each spec: bench/frameworks/codegen.py's module for FRAMEWORK, built with the framework's own
init; prints one JSON object {spec file: {"param_count": n, "state_count": n or null}}.
"""
import importlib.util
import json
import os
import sys


def main(code_dir, framework, work, specs):
    sys.path.insert(0, code_dir)
    import codegen
    out = {}
    for i, path in enumerate(specs):
        with open(path) as f:
            spec = json.load(f)
        module_path = os.path.join(work, f"{framework}_{i}.py")
        with open(module_path, "w") as f:
            f.write(codegen.generate(spec, framework))
        s = importlib.util.spec_from_file_location(f"m{i}", module_path)
        m = importlib.util.module_from_spec(s)
        s.loader.exec_module(m)
        if i == 0:
            m.set_threads(1)
        model = m.build()
        out[path] = {"param_count": int(m.param_count(model)),
                     "state_count": int(m.state_count(model)) if hasattr(m, "state_count") else None}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]))
