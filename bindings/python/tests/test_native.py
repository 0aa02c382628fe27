"""missive/_native.py declares every function of include/missive.h with the header's types."""
import os

from conftest import ROOT
from header_decls import header_declarations

from missive import _native

HEADER = os.path.join(ROOT, "include", "missive.h")


def _resolve(spelled):
    return eval(spelled, vars(_native))  # the names header_decls spells exist in _native


def test_every_header_function_is_declared_with_the_headers_types():
    decls = header_declarations(HEADER)
    assert len(decls) > 100, "the header parser found only %d functions" % len(decls)
    missing = [n for n in decls if n not in _native.FUNCTIONS]
    hints = ['    "%s": (%s, [%s]),' % (n, decls[n][0], ", ".join(decls[n][1])) for n in missing]
    assert not missing, ("missive/_native.py lacks %d header functions; add to FUNCTIONS:\n%s"
                         % (len(missing), "\n".join(hints)))
    extra = [n for n in _native.FUNCTIONS if n not in decls]
    assert not extra, "missive/_native.py declares functions the header lacks: %s" % extra
    wrong = []
    for name, (ret, args) in decls.items():
        have_ret, have_args = _native.FUNCTIONS[name]
        if _resolve(ret) is not have_ret or [_resolve(a) for a in args] != list(have_args):
            wrong.append('%s: header says (%s, [%s])' % (name, ret, ", ".join(args)))
    assert not wrong, "declarations differ from the header:\n" + "\n".join(wrong)


def test_enums_match_the_header():
    import re
    text = open(HEADER, encoding="utf-8").read()
    found = dict((n, int(v)) for n, v in re.findall(r"\b(MISSIVE_RESULT_\w+) = (-?\d+)", text))
    assert found
    for n, v in found.items():
        assert _native.Result[n[len("MISSIVE_RESULT_"):]] == v, n


def test_the_loaded_library_is_the_headers_version():
    import missive
    text = open(HEADER, encoding="utf-8").read()
    want = re.search(r'#define MISSIVE_VERSION "([^"]+)"', text).group(1)
    assert missive.library_version() == want


import re  # noqa: E402
