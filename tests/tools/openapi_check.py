#!/usr/bin/env python3
"""openapi_check.py -- checks recorded HTTP answers against docs/openapi.yaml.

    openapi_check.py SPEC          reads cases from stdin, one a line:
                                   METHOD<TAB>URL-PATH[?QUERY]<TAB>HEADERS<TAB>BODY
                                   (HEADERS: a file as `curl -D` writes it,
                                   BODY: the body's file) and answers each
                                   with one line, "ok" or "fail: REASON",
                                   flushed at once (a coprocess of
                                   tests/integration/t_openapi.sh);
                                   COVERAGE<TAB>TAGS[<TAB>EXCUSED] names the
                                   described answers no case got (coverage()).

An answer passes when the description allows it: the path matches a
described path (its parameters' patterns included) or, for requests no
operation describes, the router's answers in x-envelog-unrouted; the status
is one the operation lists (or its NXX or default); every header the
response marks required is there and matches its schema; the Content-Type
is one of the response's media types; and a JSON body validates against
that media type's schema (a text body against a string schema), as JSON
Schema 2020-12 with every $ref resolved in the document.  HEAD answers are
checked as GET without a body.

Uses Debian's python3-yaml and python3-jsonschema (no other package).
"""
import json
import re
import sys

import jsonschema
import yaml


def deref(doc, node, depth=0):
    """node with every {"$ref": "#/…"} replaced by its target (the
    description has no recursive schemas; depth bounds a mistake)."""
    if depth > 64:
        raise ValueError("$ref nesting too deep")
    if isinstance(node, dict):
        if "$ref" in node:
            target = doc
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            rest = {k: v for k, v in node.items() if k != "$ref"}
            target = deref(doc, target, depth + 1)
            if rest:  # a $ref beside other keywords (allowed in 3.1)
                return {"allOf": [target, deref(doc, rest, depth + 1)]}
            return target
        return {k: deref(doc, v, depth + 1) for k, v in node.items()}
    if isinstance(node, list):
        return [deref(doc, v, depth + 1) for v in node]
    return node


class Spec:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            raw = yaml.safe_load(f)
        self.doc = deref(raw, raw)
        self.unrouted = self.doc.get("x-envelog-unrouted", {})
        self.routes = []
        for template, item in self.doc["paths"].items():
            params = {p["name"]: p for p in item.get("parameters", [])}
            for op in item.values():
                if isinstance(op, dict):
                    for p in op.get("parameters", []) or []:
                        if p.get("in") == "path":
                            params.setdefault(p["name"], p)
            rx = ""
            for i, part in enumerate(re.split(r"(\{[^}]+\})", template)):
                if i % 2:
                    pat = params[part[1:-1]].get("schema", {}).get("pattern")
                    rx += "(?:%s)" % pat.strip("^$") if pat else "[^/]+"
                else:
                    rx += re.escape(part)
            literal = len(re.sub(r"\{[^}]+\}", "", template))
            templated = "{" in template
            self.routes.append((templated, -literal, template,
                                re.compile(rx + r"\Z"), item))
        self.routes.sort(key=lambda r: r[:3])

    def path_item(self, path):
        for _, _, template, rx, item in self.routes:
            if rx.match(path):
                return template, item
        return None, None


def parse_headers(text):
    """The status and headers (lower-case names) of the last answer in a
    `curl -D` file (a 100 Continue may come first)."""
    status, headers = None, {}
    for line in text.splitlines():
        if line.startswith("HTTP/"):
            status, headers = int(line.split()[1]), {}
        elif ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    return status, headers


def media_norm(t):
    return ";".join(p.strip() for p in t.lower().split(";"))


def pick_media(content, ctype):
    """The media type of content that the answer's Content-Type is: the
    same type, with at least the key's parameters (a charset the key does
    not name is allowed); else */* if described."""
    want = media_norm(ctype).split(";")
    for key in content:
        k = media_norm(key).split(";")
        if k[0] == want[0] and set(k[1:]) <= set(want[1:]):
            return key
    return "*/*" if "*/*" in content else None


def schema_errors(schema, instance):
    v = jsonschema.Draft202012Validator(schema)
    errs = sorted(v.iter_errors(instance), key=lambda e: list(e.path))
    out = []
    for e in errs[:3]:
        where = "/".join(str(p) for p in e.absolute_path) or "(body)"
        out.append("%s: %s" % (where, e.message[:200]))
    return out


def coverage(spec, seen, args):
    """COVERAGE<TAB>TAG,…[<TAB>operationId:STATUS …]: "ok" when every
    status of every GET and POST operation with one of the tags was
    answered by some case, but those listed; else the ones never seen."""
    tags = set(args[0].split(",")) if args else set()
    excused = set(args[1].split()) if len(args) > 1 else set()
    missing = []
    for template, item in spec.doc["paths"].items():
        for m in ("get", "post"):
            op = item.get(m)
            if not op or not tags & set(op.get("tags", [])):
                continue
            for status in op["responses"]:
                name = "%s:%s" % (op["operationId"], status)
                if (template, m, status) not in seen and name not in excused:
                    missing.append(name)
    return "ok" if not missing else "fail: never answered: " + " ".join(missing)


def check(spec, method, url, hdr_file, body_file, seen=None):
    with open(hdr_file, encoding="latin-1") as f:
        status, headers = parse_headers(f.read())
    if status is None:
        return "no answer"
    with open(body_file, "rb") as f:
        body = f.read()
    path = url.split("?", 1)[0]
    template, item = spec.path_item(path)
    m = "get" if method == "HEAD" else method.lower()
    op = item.get(m) if item else None
    if op is not None:
        responses, where = op["responses"], "%s %s" % (method, template)
    else:
        responses, where = spec.unrouted, "unrouted %s %s" % (method, path)
    resp = (responses.get(str(status)) or
            responses.get("%dXX" % (status // 100)) or
            responses.get("default"))
    if resp is None:
        return "status %d is not described for %s" % (status, where)
    if op is not None and seen is not None:
        seen.add((template, m, str(status)))
    for name, h in (resp.get("headers") or {}).items():
        value = headers.get(name.lower())
        if value is None:
            if h.get("required"):
                return "%d lacks the header %s" % (status, name)
            continue
        errs = schema_errors(h.get("schema", {}), value)
        if errs:
            return "%d header %s: %s" % (status, name, "; ".join(errs))
    content = resp.get("content")
    if not content:
        if body:
            return "%d has a body, the description none" % status
        return "ok"
    ctype = headers.get("content-type", "")
    key = pick_media(content, ctype)
    if key is None:
        return "%d Content-Type %r is not one of %s" % (
            status, ctype, ", ".join(content))
    if method == "HEAD":
        return "ok"
    schema = content[key].get("schema", {})
    if media_norm(key).split(";")[0].endswith("json"):
        try:
            instance = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            return "%d body is not JSON: %s" % (status, e)
    elif schema.get("contentMediaType") == "application/octet-stream":
        return "ok"
    else:
        try:
            instance = body.decode("utf-8")
        except UnicodeDecodeError:
            return "%d body is not UTF-8 text" % status
    errs = schema_errors(schema, instance)
    if errs:
        return "%d body (%s): %s" % (status, key, "; ".join(errs))
    return "ok"


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: openapi_check.py SPEC <cases\n")
        return 2
    spec = Spec(sys.argv[1])
    seen = set()
    for line in sys.stdin:
        parts = line.rstrip("\n").split("\t")
        if parts[0] == "COVERAGE":
            print(coverage(spec, seen, parts[1:]), flush=True)
            continue
        if len(parts) != 4:
            print("fail: a case needs 4 tab-separated fields", flush=True)
            continue
        try:
            verdict = check(spec, *parts, seen=seen)
        except Exception as e:  # a broken case must fail, not hang the suite
            verdict = "error: %s: %s" % (type(e).__name__, e)
        print(verdict if verdict == "ok" else "fail: " + verdict, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
