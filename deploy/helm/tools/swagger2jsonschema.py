#!/usr/bin/env python3
"""Kubernetes OpenAPI (Swagger 2.0) -> kubeconform's standalone-strict schemas.

Writes one JSON Schema file per group/version/kind of the API into OUT_DIR,
named as kubeconform's default schema location expects
(`<kind>[-<group>]-<version>.json`, all lowercase, the group cut at its first
dot: `statefulset-apps-v1.json`, `service-v1.json`,
`poddisruptionbudget-policy-v1.json`), so that

    kubeconform -strict -kubernetes-version V -schema-location DIR

with OUT_DIR = DIR/vV-standalone-strict finds them with no network, as it
would find yannh/kubernetes-json-schema's files.

Each file is self-contained ("standalone"): the kind's schema, plus, under
"definitions", every definition it references, with the original
"#/definitions/..." references kept (recursive types such as
JSONSchemaProps need no expansion). "Strict" means every object schema that
lists properties gets additionalProperties: false, so an unknown or
misspelt field is an error; kind and apiVersion are pinned to the file's
own values. As kubeconform's (and instrumenta's) scripts do, IntOrString
becomes string-or-integer and Quantity string-or-number, the shapes YAML
gives them. Optional fields are not made nullable: a rendered `key: null`
is reported (the API server would ignore it; a chart should not render it).

Usage: swagger2jsonschema.py SWAGGER_JSON OUT_DIR
Standard library only.
"""
import json
import os
import sys

INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
REF_PREFIX = "#/definitions/"


def strict(node):
    """Returns a copy of a schema node with additionalProperties: false on
    every object that lists properties and says nothing else."""
    if isinstance(node, list):
        return [strict(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: strict(v) for k, v in node.items()}
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


def refs(node, found):
    """Adds the names of the definitions `node` references to `found`."""
    if isinstance(node, list):
        for x in node:
            refs(x, found)
    elif isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF_PREFIX):
            found.add(ref[len(REF_PREFIX):])
        for v in node.values():
            refs(v, found)


def closure(name, definitions):
    """The definitions reachable from definition `name`, itself excluded."""
    seen, todo = set(), [name]
    while todo:
        found = set()
        refs(definitions[todo.pop()], found)
        for ref in found - seen:
            if ref not in definitions:
                raise KeyError(f"{name}: reference to unknown definition {ref}")
            seen.add(ref)
            todo.append(ref)
    seen.discard(name)
    return seen


def file_name(gvk):
    group, version, kind = gvk["group"], gvk["version"], gvk["kind"]
    suffix = f"-{group.split('.')[0]}" if group else ""
    return f"{kind}{suffix}-{version}.json".lower()


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: swagger2jsonschema.py SWAGGER_JSON OUT_DIR")
    with open(argv[1], encoding="utf-8") as f:
        definitions = json.load(f)["definitions"]
    definitions[INT_OR_STRING] = {
        "description": definitions[INT_OR_STRING].get("description", ""),
        "oneOf": [{"type": "string"}, {"type": "integer"}],
    }
    definitions[QUANTITY] = {
        "description": definitions[QUANTITY].get("description", ""),
        "oneOf": [{"type": "string"}, {"type": "number"}],
    }
    definitions = {name: strict(schema) for name, schema in definitions.items()}

    os.makedirs(argv[2], exist_ok=True)
    written = {}
    for name in sorted(definitions):
        schema = definitions[name]
        for gvk in schema.get("x-kubernetes-group-version-kind", []):
            out = dict(schema)
            props = dict(out.get("properties", {}))
            api_version = (f"{gvk['group']}/{gvk['version']}" if gvk["group"]
                           else gvk["version"])
            if "kind" in props:
                props["kind"] = dict(props["kind"], enum=[gvk["kind"]])
            if "apiVersion" in props:
                props["apiVersion"] = dict(props["apiVersion"],
                                           enum=[api_version])
            out["properties"] = props
            out["definitions"] = {d: definitions[d]
                                  for d in sorted(closure(name, definitions))}
            path = os.path.join(argv[2], file_name(gvk))
            if path in written:
                # One kind under two definitions: keep the first by name.
                continue
            written[path] = name
            with open(path, "w", encoding="utf-8") as f:
                json.dump(out, f, separators=(",", ":"), sort_keys=True)
    print(f"swagger2jsonschema: {len(written)} schemas in {argv[2]}")


if __name__ == "__main__":
    main(sys.argv)
