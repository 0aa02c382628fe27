"""Reads the function declarations of include/missive.h and maps their C types to ctypes names.

Used by test_native.py to check that every declaration in missive/_native.py matches the header
(and that every header function is declared): when the C ABI gains a function, the test's failure
prints the exact line to add to _native.py.
"""
import re

_SCALARS = {
    "void": "None",
    "bool": "c_bool",
    "int32_t": "c_int32",
    "int64_t": "c_int64",
    "uint16_t": "c_uint16",
    "uint32_t": "c_uint32",
    "uint64_t": "c_uint64",
    "size_t": "c_size_t",
    "enum missive_result": "c_int32",
}
_CALLBACKS = {"missive_progress_cb", "missive_userdata_free_cb", "missive_log_cb",
              "missive_read_cb", "missive_completion_cb", "missive_token_cb"}
_STRUCTS = {"struct missive_queue_drain_counts": "QueueDrainCounts",
            "struct missive_queue_counts": "QueueCounts",
            "struct missive_progress": "Progress"}


def ctype_name(c_type, is_return=False):
    """The ctypes spelling used in _native.py for one C type (parameter or return)."""
    t = " ".join(c_type.replace("const ", "").split())
    stars = t.count("*")
    base = t.replace("*", "").strip()
    if base in _CALLBACKS:
        return base
    if stars == 0:
        return _SCALARS[base]
    if base.startswith("struct missive_") and base not in _STRUCTS:
        return "c_void_p" if stars == 1 else "POINTER(c_void_p)"
    if base in _STRUCTS:
        return "POINTER(%s)" % _STRUCTS[base]
    if base in ("char", "uint8_t"):
        if is_return:
            return "c_char_p"
        # Inputs (const) are bytes; outputs are caller buffers.
        return "c_char_p" if "const" in c_type else "c_void_p"
    if base == "void":
        return "c_void_p"
    return "POINTER(%s)" % _SCALARS[base]


def header_declarations(path):
    """{name: (restype, [argtypes])} for every function the header declares."""
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    text = re.sub(r"#[^\n]*", " ", text)
    text = re.sub(r"typedef[^;]*;", " ", text)
    text = re.sub(r"\b(enum|struct)\s+\w+\s*\{[^}]*\}\s*\w*\s*;", " ", text, flags=re.S)
    decls = {}
    for m in re.finditer(r"([\w\s\*]+?)\b(missive_[a-z0-9_]+)\s*\(([^)]*)\)\s*;", text):
        ret, name, params = m.group(1).strip(), m.group(2), m.group(3).strip()
        args = []
        if params and params != "void":
            for p in params.split(","):
                p = " ".join(p.split())
                pm = re.match(r"(.*?)(\w+)$", p)
                args.append(ctype_name(pm.group(1).strip()))
        decls[name] = (ctype_name(ret, is_return=True), args)
    return decls


if __name__ == "__main__":
    import sys
    for name, (ret, args) in header_declarations(sys.argv[1]).items():
        print('    "%s": (%s, [%s]),' % (name, ret, ", ".join(args)))
