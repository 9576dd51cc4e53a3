#!/usr/bin/env python3
"""Extract structure-only JSON copies of Terra's published schemas into the
wearbridge-model crate, so its tests run on a fresh clone without the spec.

Source: tryterra/openapi (Apache-2.0). Kept: types, properties, required,
enums/consts, $ref, anyOf/oneOf/allOf, items/prefixItems, formats, bounds,
nullable/discriminator (OpenAPI 3.0 leftovers the validator ignores) and
`examples` (data, used by the round-trip tests). Dropped: descriptions, `$id`
(it points at remote URLs and would break local `$ref` resolution) and
free-text titles -- except the `title` of an enum's `const` branch, which is
the value's name and the generator (gen_rust.py) turns into a Rust variant.

Usage: python3 tools/model/extract_schemas.py <path to tryterra/openapi checkout>
       (the SDK-era bundle is read from <checkout>/sdk-era/v5-bundled.yaml)
"""
import json
import os
import re
import shutil
import sys

import yaml

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "wearbridge-model", "schemas")
DROP_KEYS = {"description", "$id", "example", "summary", "externalDocs", "deprecated"}
# Lab reports are out of scope for Wearbridge (issue 2).
SKIP_PREFIX = "LabReport"


class StringTimestampLoader(yaml.SafeLoader):
    """SafeLoader that keeps ISO dates/timestamps as the exact strings the spec
    wrote (PyYAML would turn `2022-10-28T10:00:00.000000+01:00` into a datetime
    and lose the offset formatting the examples test relies on)."""


StringTimestampLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(path):
    with open(path) as f:
        return yaml.load(f, Loader=StringTimestampLoader)


def strip(node, in_properties=False):
    """Drop prose; keep structure. `in_properties` marks a map of property names,
    where keys such as `title` or `description` are field names, not annotations."""
    if isinstance(node, list):
        return [strip(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if not in_properties:
            if key in DROP_KEYS:
                continue
            if key == "title" and "const" not in node:
                continue
        out[key] = strip(value, in_properties=(key == "properties" and not in_properties))
    return out


def rewrite_refs(node, mapping):
    if isinstance(node, list):
        return [rewrite_refs(x, mapping) for x in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str):
            out[key] = mapping(value)
        else:
            out[key] = rewrite_refs(value, mapping)
    return out


def drop_skipped_members(node):
    """Remove `oneOf`/`anyOf` members that point at skipped (lab report) files,
    so `WebhookEventType` stays resolvable without them."""
    if isinstance(node, list):
        return [drop_skipped_members(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in ("oneOf", "anyOf") and isinstance(value, list):
            value = [m for m in value if not (isinstance(m, dict) and
                                              str(m.get("$ref", "")).startswith(SKIP_PREFIX))]
        out[key] = drop_skipped_members(value)
    return out


def write(rel, schema):
    path = os.path.join(OUT, rel + ".json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(schema, f, indent=1, sort_keys=False)
        f.write("\n")


def extract_core(src):
    core_dir = os.path.join(src, "schemas", "core")
    for name in sorted(os.listdir(core_dir)):
        if not name.endswith(".yaml") or name.startswith(SKIP_PREFIX):
            continue
        schema = load_yaml(os.path.join(core_dir, name))
        schema = rewrite_refs(strip(schema), lambda r: re.sub(r"\.yaml$", ".json", r))
        schema = drop_skipped_members(schema)
        write("core/" + name[:-5], schema)


def component_ref(ref):
    """`#/components/schemas/X` -> `X.json` (a sibling file in the same directory)."""
    match = re.fullmatch(r"#/components/schemas/(\w+)", ref)
    if not match:
        raise ValueError("unexpected $ref " + ref)
    return match.group(1) + ".json"


def extract_components(bundle, spec):
    for name, schema in bundle["components"]["schemas"].items():
        if name.startswith(SKIP_PREFIX):
            continue
        schema = drop_skipped_members(rewrite_refs(strip(schema), component_ref))
        schema.setdefault("$schema", "https://json-schema.org/draft/2020-12/schema")
        write(f"{spec}/{name}", schema)


def response_schema(bundle, response):
    ref = response.get("$ref")
    if ref:
        response = bundle["components"]["responses"][ref.rsplit("/", 1)[1]]
    for content in (response.get("content") or {}).values():
        if "schema" in content:
            return content["schema"]
    return None


def api_schema(schema, spec, depth=2):
    """`depth`: how many directories below `schemas/` the file will sit."""
    def mapping(ref):
        name = re.fullmatch(r"#/components/schemas/(\w+)", ref).group(1)
        return "../" * depth + f"{spec}/{name}.json"

    out = rewrite_refs(strip(schema), mapping)
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return out


def extract_operations(bundle, spec, index):
    for path, ops in bundle["paths"].items():
        if "lab-reports" in path:
            continue
        for method, op in ops.items():
            if method == "parameters":
                continue
            op_id = op["operationId"]
            body = ((op.get("requestBody") or {}).get("content") or {}).get("application/json")
            if body and "schema" in body:
                name = f"api/{spec}/{op_id}.request"
                write(name, api_schema(body["schema"], spec))
                index.append((name, method.upper(), path, "request body"))
            for code, response in op.get("responses", {}).items():
                schema = response_schema(bundle, response)
                if schema is None:
                    continue
                name = f"api/{spec}/{op_id}.{code}"
                write(name, api_schema(schema, spec))
                index.append((name, method.upper(), path, f"{code} response"))
                # The 200 unions are `oneOf` over open objects without required
                # keys, so one body often matches several members and fails
                # `oneOf`; each member is also written on its own.
                for position, member in enumerate(schema.get("oneOf", [])):
                    member_name = f"{name}.{position}"
                    write(member_name, api_schema(member, spec))
                    index.append((member_name, method.upper(), path, f"{code} response, oneOf member {position}"))


# Short aliases for the data-in-body response `{user, data, type}` (the first
# oneOf member of each data GET's 200), which the server tests validate most.
DATA_ALIASES = {
    "activity": ("v2", "/activity"),
    "athlete": ("v2", "/athlete"),
    "body": ("v2", "/body"),
    "daily": ("v2", "/daily"),
    "menstruation": ("v2", "/menstruation"),
    "nutrition": ("v2", "/nutrition"),
    "sleep": ("v2", "/sleep"),
    "plannedWorkout": ("sdk", "/plannedWorkout"),
}


def extract_aliases(bundles, index):
    for data_type, (spec, path) in DATA_ALIASES.items():
        bundle = bundles[spec]
        schema = response_schema(bundle, bundle["paths"][path]["get"]["responses"]["200"])
        first = schema["oneOf"][0]
        name = f"api/DataResponse.{data_type}"
        write(name, api_schema(first, spec, depth=1))
        index.append((name, "GET", path, f"200 data-in-body member ({spec})"))


def write_index(index):
    with open(os.path.join(OUT, "api-index.tsv"), "w") as f:
        f.write("name\tmethod\tpath\twhat\n")
        for row in sorted(index):
            f.write("\t".join(row) + "\n")


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "../shared/terra-openapi"
    for sub in ("core", "sdk", "v2", "widget", "api"):
        shutil.rmtree(os.path.join(OUT, sub), ignore_errors=True)
    extract_core(src)
    bundles = {}
    for spec, rel in (("sdk", "sdk-era/v5-bundled.yaml"), ("v2", "dist/core/v2-bundled.yaml"),
                      ("widget", "dist/core/widget-bundled.yaml")):
        bundles[spec] = load_yaml(os.path.join(src, rel))
        extract_components(bundles[spec], spec)
    index = []
    for spec, bundle in bundles.items():
        extract_operations(bundle, spec, index)
    extract_aliases(bundles, index)
    write_index(index)


if __name__ == "__main__":
    main()
