#!/usr/bin/env python3
"""Generate `crates/wearbridge-model/src/generated.rs` from the structure-only
schema copies under `crates/wearbridge-model/schemas/` (see extract_schemas.py).

Why a generator: the Terra model has ~200 schema files; writing them by hand
invites exactly the misnamed-key bugs the crate exists to prevent. The output is
committed (formatted with rustfmt), so building the crate needs no Python.

Rules (documented in docs/DECISIONS.md, section "Model"):
* Rust names: CamelCase types with acronyms folded (`METData` -> `MetData`),
  snake_case fields with `#[serde(rename)]` to the exact wire key.
* A field that is required and not nullable is a plain `T`; every other field
  is `Option<T>`, omitted when `None`, so absent keys stay absent.
* Strings whose schema says `format: date-time` or whose examples are ISO
  timestamps become `Timestamp` (offset-preserving).
* Enums (`oneOf`/`anyOf` of consts, or `enum`) become `numeric_enum!` /
  `string_enum!` types that keep unknown wire values.
* Webhook events drop the `type` key and a `const` `status`; the
  `WebhookEvent` enum writes them back (see webhook.rs).
* SDK-era planned-workout steps/durations/targets are `oneOf` unions without a
  usable discriminator; they become one superset struct each.

Usage: python3 tools/model/gen_rust.py && rustfmt --edition 2024 crates/wearbridge-model/src/generated.rs \
       crates/wearbridge-model/tests/support/generated.rs
"""
import json
import os
import re

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "wearbridge-model")
SCHEMAS = os.path.join(ROOT, "schemas")
OUT = os.path.join(ROOT, "src", "generated.rs")

TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
RUST_KEYWORDS = {"type", "match", "ref", "move", "self", "use", "mod", "fn", "loop", "impl"}

# Core schemas that are not generated as plain types.
CORE_SKIP = {"WebhookEventType", "WebhookEvent"}
# Core schema name -> Rust name where the plain name is taken.
CORE_RENAME = {"PlannedWorkout": "PlannedWorkoutItem"}
# SDK-era event schemas the official SDKs still parse; Rust name for each.
SDK_EVENTS = {
    "HealthcheckEvent": "HealthcheckEvent",
    "ProcessingEvent": "ProcessingEvent",
    "RateLimitHitEvent": "RateLimitHitEvent",
    "GoogleNoDatasourceEvent": "GoogleNoDatasourceEvent",
    "AuthErrorEvent": "AuthFailedEvent",
}
# SDK-era planned-workout unions: union schema -> (Rust superset name, members).
SDK_UNIONS = {
    "PlannedWorkoutSteps": "PlannedWorkoutStep",
    "PlannedWorkoutStepDurations": "PlannedWorkoutStepDuration",
    "PlannedWorkoutStepTargets": "PlannedWorkoutStepTarget",
}
SDK_STRUCTS = {"PlannedWorkout": "PlannedWorkout", "PlannedWorkoutMetadata": "PlannedWorkoutMetadata"}

# Hand-written notes where a field name does not say enough. Never spec prose.
FIELD_NOTES = {
    "hrv_rmssd": "HRV as RMSSD: root mean square of successive RR-interval differences, in ms.",
    "avg_hrv_rmssd": "Average HRV as RMSSD (root mean square of successive differences), in ms.",
    "hrv_sdnn": "HRV as SDNN: standard deviation of all normal-to-normal RR intervals, in ms.",
    "avg_hrv_sdnn": "Average HRV as SDNN (standard deviation of NN intervals), in ms.",
    "timer_duration_seconds": "Seconds since the workout started, not counting paused time.",
    "summary_id": "Provider-stable id of this record; unique per user, not globally.",
    "timestamp_localization": "Whether timestamps are in UTC (0) or the user's local time (1).",
    "distance_meters": "Distance in metres (m); in samples, cumulative from the start of the record.",
    "steps": "Step count; in samples, cumulative from the start of the record.",
    "floors_climbed": "Floors climbed; in samples, cumulative from the start of the record.",
    "coords_lat_lng_deg": "`[latitude, longitude]` in decimal degrees (WGS 84).",
    "scopes": "Comma-separated provider scopes, as granted.",
    "version": "Data-model version date of the payload, e.g. `2022-03-16`.",
    "date_of_birth": "Calendar date `YYYY-MM-DD`, kept as sent.",
    "joined_provider": "Calendar date `YYYY-MM-DD`, kept as sent.",
    "period_start_date": "Calendar date `YYYY-MM-DD`, kept as sent.",
    "planned_date": "Calendar date (or date-time) the workout is planned for, kept as sent.",
}

# Unit notes from field-name suffixes (longest match first).
SUFFIX_UNITS = [
    ("_ml_per_min_per_kg", "Millilitres of oxygen per minute per kilogram (mL/min/kg)."),
    ("_meters_per_second", "Metres per second (m/s)."),
    ("_minutes_per_kilometer", "Minutes per kilometre (min/km)."),
    ("_newton_meters", "Newton metres (N·m)."),
    ("_mg_per_dl", "Milligrams per decilitre (mg/dL)."),
    ("_mmol_per_l", "Millimoles per litre (mmol/L)."),
    ("_lat_lng_deg", "`[latitude, longitude]` in decimal degrees (WGS 84)."),
    ("_kilojoules", "Kilojoules (kJ)."),
    ("_kj", "Kilojoules (kJ)."),
    ("_celsius", "Degrees Celsius (°C)."),
    ("_percentage", "Percent, 0–100."),
    ("_meters", "Metres (m)."),
    ("_seconds", "Seconds (s)."),
    ("_minutes", "Minutes."),
    ("_hours", "Hours."),
    ("_days", "Days."),
    ("_ms", "Milliseconds (ms)."),
    ("_bpm", "Beats per minute (bpm)."),
    ("_rpm", "Revolutions (or strides/strokes) per minute (rpm)."),
    ("_watts", "Watts (W)."),
    ("_watt", "Watts (W)."),
    ("_kg", "Kilograms (kg)."),
    ("_mg", "Milligrams (mg)."),
    ("_mcg", "Micrograms (µg)."),
    ("_ml", "Millilitres (mL)."),
    ("_cm", "Centimetres (cm)."),
    ("_mm", "Millimetres (mm)."),
    ("_uv", "Microvolts (µV)."),
    ("_g", "Grams (g)."),
    ("calories", "Kilocalories (kcal)."),
    ("_bp", "Millimetres of mercury (mmHg)."),
]


def load(rel):
    with open(os.path.join(SCHEMAS, rel + ".json")) as f:
        return json.load(f)


def type_name(schema_name):
    words = re.findall(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]+(?![a-z])|[A-Z][a-z]+|[a-z]+|\d+", schema_name)
    return "".join(w[:1].upper() + w[1:].lower() for w in words)


def variant_name(label):
    words = re.findall(r"[A-Za-z]+|\d+", label.replace("'", ""))
    name = "".join(w[:1].upper() + w[1:].lower() for w in words)
    if not name or name[0].isdigit():
        name = "V" + name
    return name


def field_name(wire):
    name = re.sub(r"[^0-9a-zA-Z_]", "_", wire).lower()
    return "r#" + name if name in RUST_KEYWORDS else name


# Exact names (lower-cased) whose meaning the name alone does not give.
NAME_NOTES = {
    "bpm": "Beats per minute (bpm).",
    "watts": "Watts (W).",
    "seconds": "Seconds (s).",
    "bmi": "Body-mass index (kg/m²).",
    "day_avg_bmi": "Day average body-mass index (kg/m²).",
    "bmr": "Basal metabolic rate, kilocalories per day (kcal/day).",
    "day_avg_bmr": "Day average basal metabolic rate (kcal/day).",
    "rmr": "Resting metabolic rate, kilocalories per day (kcal/day).",
    "day_avg_rmr": "Day average resting metabolic rate (kcal/day).",
    "tss": "Training Stress Score (dimensionless; 100 = one hour at threshold).",
    "estimated_tss": "Estimated Training Stress Score (dimensionless).",
    "estimated_if": "Estimated intensity factor: normalised power / FTP (dimensionless).",
    "ftp": "Functional threshold power, watts (W).",
    "max_heart_rate": "Beats per minute (bpm).",
    "threshold_heart_rate": "Beats per minute (bpm).",
    "expires_in": "Seconds (s) until expiry.",
    "expected_payloads": "Number of data webhooks that will follow for this request.",
    "day_in_cycle": "Day number within the menstrual cycle (1 = first day of the period).",
    "standing_hours_count": "Number of hours with some standing.",
    "sent_webhooks_last_hour": "Webhooks sent to this destination in the last hour.",
}


def unit_doc(wire, prop=None):
    """Unit/meaning note for a field: explicit notes first, then the name's
    suffix (`_high`/`_low` bounds and `_v2` revisions use their base unit),
    then the range the schema declares."""
    low = wire.lower()
    if wire in FIELD_NOTES:
        return FIELD_NOTES[wire]
    if low in NAME_NOTES:
        return NAME_NOTES[low]
    if re.match(r"^(?:.*_)?samples(?:_.*)?$", low):
        kind = {"hrv_samples_rmssd": "HRV (RMSSD, ms) ", "hrv_samples_sdnn": "HRV (SDNN, ms) "}.get(low, "")
        return f"{kind}Time series; left out when `with_samples=false` (see `strip_samples`)."
    base = re.sub(r"_(high|low|v2)$", "", low)
    qualifier = {"high": "Upper bound. ", "low": "Lower bound. "}.get(low.rsplit("_", 1)[-1], "")
    doc = None
    for suffix, text in SUFFIX_UNITS:
        if base.endswith(suffix) or (suffix == "calories" and "calorie" in base):
            doc = qualifier + text
            break
    if doc is None:
        if base.endswith("_contributors"):
            doc = "Contributor name → its contribution to the score."
        elif base.endswith("_per_min"):
            doc = "Per minute."
        elif base.startswith("num_") or base.endswith("_count"):
            doc = "Count."
        elif base.endswith("_units"):
            doc = "Insulin units (IU)."
        elif base.startswith("days_"):
            doc = "Days."
        elif base.startswith("intensity_factor") or base.startswith("if_"):
            doc = qualifier + "Intensity factor: normalised power / FTP (dimensionless)."
    lo, hi = (prop.get("minimum"), prop.get("maximum")) if prop else (None, None)
    for branch in (prop or {}).get("anyOf", []):
        lo, hi = branch.get("minimum", lo), branch.get("maximum", hi)
    if lo is not None and hi is not None:
        doc = (doc + " " if doc else "") + f"Range {lo}–{hi}."
    elif lo is not None:
        doc = (doc + " " if doc else "") + f"At least {lo}."
    return doc


def json_kind(schema):
    kind = schema.get("type", "any")
    return "/".join(k for k in kind if k != "null") if isinstance(kind, list) else kind


def is_null(schema):
    return schema == {"type": "null"}


def looks_like_timestamp(schema):
    if schema.get("format") == "date-time":
        return True
    return any(isinstance(e, str) and TIMESTAMP_RE.match(e) for e in schema.get("examples", []))


class Generator:
    def __init__(self):
        self.names = {}  # (spec, schema name) -> Rust type name
        self.enums = {}  # Rust name -> code
        self.structs = []  # code blocks
        self.events = []  # (variant, rust type, type const, status const)
        self.enum_blocks = []
        self.struct_defs = {}  # Rust name -> (schema source, [(field, base type, shape, prop)])
        self.enum_defs = {}  # Rust name -> (schema source, numeric)

    # ---- type resolution -------------------------------------------------
    def ref_type(self, spec, ref):
        if ref == "#/$defs/RecordFloat":
            # Open map of contributor name -> number; BTreeMap keeps output stable.
            return "BTreeMap<String, f64>"
        target = ref.rsplit("/", 1)[-1][: -len(".json")]
        if spec == "sdk" and target in SDK_UNIONS:
            return SDK_UNIONS[target]
        if spec == "sdk":
            for union, rust in SDK_UNIONS.items():
                if target in self.union_members(union):
                    return rust
            if target in SDK_STRUCTS:
                return SDK_STRUCTS[target]
            return self.names[("core", target)]
        return self.names[("core", target)]

    def union_members(self, union):
        return [m["$ref"][: -len(".json")] for m in load("sdk/" + union)["oneOf"]]

    def rust_type(self, spec, schema, ctx):
        """Return (rust type, nullable)."""
        for key in ("anyOf", "oneOf"):
            if key in schema and "properties" not in schema:
                branches = [b for b in schema[key] if not is_null(b)]
                nullable = len(branches) != len(schema[key])
                if len(branches) == 1:
                    # Examples/format sit beside `anyOf`; the branch needs them to
                    # recognise a timestamp.
                    branch = dict(branches[0])
                    for hint in ("examples", "format"):
                        if hint in schema and "type" in branch:
                            branch.setdefault(hint, schema[hint])
                    inner, inner_null = self.rust_type(spec, branch, ctx)
                    return inner, nullable or inner_null
                raise ValueError(f"unsupported union at {ctx}: {schema}")
        if "$ref" in schema:
            return self.ref_type(spec, schema["$ref"]), False
        if "allOf" in schema and len(schema["allOf"]) == 1 and "$ref" in schema["allOf"][0]:
            return self.ref_type(spec, schema["allOf"][0]["$ref"]), False
        types = schema.get("type")
        nullable = schema.get("nullable") is True
        if isinstance(types, list):
            nullable = nullable or "null" in types
            types = [t for t in types if t != "null"]
            types = types[0] if len(types) == 1 else types
        if types == "string":
            return ("Timestamp" if looks_like_timestamp(schema) else "String"), nullable
        if types == "number":
            return "f64", nullable
        if types == "integer":
            return "i64", nullable
        if types == "boolean":
            return "bool", nullable
        if types == "array":
            if "prefixItems" in schema:
                return "Vec<f64>", nullable
            inner, inner_null = self.rust_type(spec, schema.get("items", {}), ctx + "[]")
            return (f"Vec<Option<{inner}>>" if inner_null else f"Vec<{inner}>"), nullable
        if types == "object" and "properties" in schema:
            name = type_name(ctx.replace(".", "_"))
            self.struct(spec, name, schema, f"inline object `{ctx}`")
            return name, nullable
        return "serde_json::Value", nullable

    # ---- enums -------------------------------------------------------------
    def enum(self, spec, schema_name, schema, rust):
        branches = schema.get("oneOf") or schema.get("anyOf")
        if branches:
            values = [(b["const"], b.get("title")) for b in branches]
        else:
            values = [(v, None) for v in schema["enum"]]
        numeric = all(isinstance(v, (int, float)) for v, _ in values)
        lines = [f"    /// Wire values of `{spec}/{schema_name}.json`; unknown values are kept in `Other`.",
                 f"    {rust} {{"]
        seen = set()
        for value, title in values:
            label = title or (ENUM_LABELS.get((schema_name, value)) if numeric else str(value))
            name = variant_name(label or f"V{value}")
            if name in seen or name == "Other":
                name = f"{name}{value}"
            seen.add(name)
            literal = str(int(value)) if numeric else json.dumps(value)
            doc = f"        /// `{value}`" + (f": {title}." if title and numeric else ".")
            lines.append(doc)
            lines.append(f"        {name} = {literal},")
        lines.append("    }")
        macro = "numeric_enum" if numeric else "string_enum"
        self.enum_blocks.append(f"{macro}! {{\n" + "\n".join(lines) + "\n}\n")
        self.enum_defs[rust] = (f"{spec}/{schema_name}", numeric)

    def is_enum(self, schema):
        branches = schema.get("oneOf") or schema.get("anyOf")
        if branches and all("const" in b for b in branches):
            return True
        return "enum" in schema and "properties" not in schema

    # ---- structs -----------------------------------------------------------
    def struct(self, spec, rust, schema, source, skip_fields=(), doc=None):
        props = schema.get("properties") or {}
        required = set(schema.get("required") or [])
        lines = [f"/// {doc or 'Terra wire object'}; schema `{source}`.",
                 "#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]",
                 f"pub struct {rust} {{"]
        seen = set()
        fields = []
        self.struct_defs[rust] = (source[: -len(".json")] if source.endswith(".json") else None, fields)
        for wire, prop in props.items():
            if wire in skip_fields:
                continue
            if "const" in prop:
                raise ValueError(f"unexpected const field {rust}.{wire}")
            fname = field_name(wire)
            if fname in seen or (fname == wire and any(
                    field_name(w) == fname and w != wire for w in props)):
                # GlucoseData declares both `..._mg_per_dL` and `..._mg_per_dl`: the
                # all-lowercase duplicate gets a suffix, the established key keeps the name.
                fname += "_lowercase_key"
            if fname in seen:
                raise ValueError(f"field name clash {rust}.{fname}")
            seen.add(fname)
            ty, nullable = self.rust_type(spec, prop, f"{rust}.{wire}")
            attrs = []
            if fname.removeprefix("r#") != wire:
                attrs.append(f'rename = "{wire}"')
            if wire in required and not nullable:
                full = ty
            elif wire in required:
                full = f"Option<{ty}>"
                attrs.append("default")
            else:
                full = f"Option<{ty}>"
                attrs += ["default", 'skip_serializing_if = "Option::is_none"']
            if ty == "i64":
                # JSON Schema `integer` accepts `3.0`; so must we (numbers.rs).
                reader = "integer" if full == ty else "optional_integer"
                attrs.append(f'deserialize_with = "crate::numbers::{reader}"')
            note = unit_doc(wire, prop)
            allowed = prop.get("enum")
            if "x-conflict" in prop:
                kinds = " or ".join(sorted(prop["x-conflict"]))
                note = f"A JSON {kinds}, depending on the union member; kept as raw JSON."
            if note:
                lines.append(f"    /// {note}")
            if ty == "Timestamp" and not note:
                lines.append("    /// Offset-preserving ISO 8601 timestamp.")
            if allowed:
                lines.append("    /// Values: " + ", ".join(f"`{v}`" for v in allowed) + ".")
            if not note and ty != "Timestamp" and not allowed:
                lines.append(f"    /// Wire key `{wire}`.")
            if attrs:
                lines.append(f"    #[serde({', '.join(attrs)})]")
            lines.append(f"    pub {fname}: {full},")
            fields.append((fname, ty, "plain" if full == ty else "option", prop))
        lines.append("}\n")
        self.structs.append("\n".join(lines))

    def merged_struct(self, union, rust):
        merged = {}
        for member in self.union_members(union):
            for wire, prop in (load("sdk/" + member).get("properties") or {}).items():
                if wire in merged and "x-conflict" in merged[wire]:
                    merged[wire]["x-conflict"].add(json_kind(prop))
                    continue
                if wire in merged and merged[wire] != prop:
                    ty_a = self.rust_type("sdk", merged[wire], rust + "." + wire)[0]
                    ty_b = self.rust_type("sdk", prop, rust + "." + wire)[0]
                    if ty_a != ty_b:
                        # e.g. `intensity`: a string enum on STEP, an integer elsewhere.
                        merged[wire] = {"x-conflict": {json_kind(merged[wire]), json_kind(prop)}}
                    continue
                merged[wire] = prop
        members = ", ".join(f"`{m}`" for m in self.union_members(union))
        self.struct("sdk", rust, {"properties": merged}, f"sdk/{union}.json",
                    doc=f"Superset of the SDK-era union members {members}")

    # ---- drivers -----------------------------------------------------------
    def run(self):
        core_names = sorted(n[:-5] for n in os.listdir(os.path.join(SCHEMAS, "core")))
        for name in core_names:
            if name not in CORE_SKIP:
                self.names[("core", name)] = CORE_RENAME.get(name, type_name(name))
        for name in core_names:
            if name in CORE_SKIP:
                continue
            schema = load("core/" + name)
            rust = self.names[("core", name)]
            if self.is_enum(schema):
                self.enum("core", name, schema, rust)
            elif name.endswith("Event"):
                self.event("core", name, schema, rust)
            else:
                self.struct("core", rust, schema, f"core/{name}.json")
        for name, rust in SDK_STRUCTS.items():
            self.struct("sdk", rust, load("sdk/" + name), f"sdk/{name}.json",
                        doc="SDK-era planned workout (as terra-python/terra-api parse it)"
                        if name == "PlannedWorkout" else None)
        for union, rust in SDK_UNIONS.items():
            self.merged_struct(union, rust)
        for name, rust in SDK_EVENTS.items():
            self.event("sdk", name, load("sdk/" + name), rust)
        self.write()
        TestSupport(self).write()

    def event(self, spec, name, schema, rust):
        props = dict(schema.get("properties") or {})
        parent = [a["$ref"][: -len(".json")] for a in schema.get("allOf", [])]
        for p in parent:
            for wire, prop in (load(f"{spec}/{p}").get("properties") or {}).items():
                props.setdefault(wire, prop)
        type_const = props["type"]["const"]
        status = props.get("status", {})
        status_const = status.get("const")
        skip = ["type"] + (["status"] if status_const else [])
        self.struct(spec, rust, {"properties": props, "required": schema.get("required")},
                    f"{spec}/{name}.json", skip_fields=skip,
                    doc=f"Webhook event `{type_const}`" + (f" (status `{status_const}`)" if status_const else "")
                    + "; `type`" + (" and `status` are" if status_const else " is") + " written by `WebhookEvent`")
        variant = rust[: -len("Event")]
        self.events.append((variant, rust, type_const, status_const, f"{spec}/{name}"))

    def sample_paths(self):
        """Key paths of the time-series arrays in each record model.

        Rule (Terra docs: "sample arrays (`*_samples`) are omitted unless
        with_samples=true"): an array property whose key is `samples`, ends in
        `_samples`, or contains `_samples_` (`hrv_samples_rmssd`). `*` in a path
        stands for every element of an array on the way."""
        pattern = re.compile(r"^(?:.*_)?samples(?:_.*)?$", re.IGNORECASE)

        def walk(spec, schema, path, out, depth=0):
            if depth > 30:
                return
            for key in ("anyOf", "oneOf", "allOf"):
                for branch in schema.get(key, []):
                    walk(spec, branch, path, out, depth + 1)
            ref = schema.get("$ref")
            if ref and ref.endswith(".json"):
                target = ref[: -len(".json")]
                sub = load(f"{spec}/{target}") if os.path.exists(
                    os.path.join(SCHEMAS, spec, ref)) else load(f"core/{target}")
                walk(spec, sub, path, out, depth + 1)
            if schema.get("type") == "array" and "items" in schema:
                walk(spec, schema["items"], path + ["*"], out, depth + 1)
            for wire, prop in (schema.get("properties") or {}).items():
                is_array = prop.get("type") == "array" or any(
                    b.get("type") == "array" for b in prop.get("anyOf", []))
                if is_array and pattern.match(wire):
                    out.add(tuple(path + [wire]))
                else:
                    walk(spec, prop, path + [wire], out, depth + 1)

        arms = []
        for variant, spec, name in (("Activity", "core", "Activity"), ("Athlete", "core", "Athlete"),
                                    ("Body", "core", "Body"), ("Daily", "core", "Daily"),
                                    ("Menstruation", "core", "Menstruation"),
                                    ("Nutrition", "core", "Nutrition"), ("Sleep", "core", "Sleep"),
                                    ("PlannedWorkout", "sdk", "PlannedWorkout")):
            paths = set()
            walk(spec, load(f"{spec}/{name}"), [], paths)
            rows = "".join("        &[" + ", ".join(json.dumps(k) for k in p) + "],\n" for p in sorted(paths))
            arms.append(f"        crate::DataType::{variant} => &[\n{rows}        ],")
        return ("/// Key paths of each model's sample arrays (see `tools/model/gen_rust.py`\n"
                "/// `sample_paths` for the rule); `*` means every element of an array.\n"
                "pub(crate) fn sample_paths(data_type: crate::DataType) -> &'static [&'static [&'static str]] {\n"
                "    match data_type {\n" + "\n".join(arms) + "\n    }\n}\n")

    def write(self):
        out = [
            "//! Generated by `tools/model/gen_rust.py` from `schemas/`; do not edit by hand.",
            "//! Regenerate with `python3 tools/model/gen_rust.py` after `extract_schemas.py`.",
            "",
            "use std::collections::BTreeMap;",
            "",
            "use serde::{Deserialize, Serialize};",
            "",
            "use crate::enums::{numeric_enum, string_enum};",
            "use crate::timestamp::Timestamp;",
            "",
        ]
        out += self.enum_blocks
        out += self.structs
        rows = []
        for variant, rust, type_const, status_const, schema in self.events:
            status = f'Some("{status_const}")' if status_const else "None"
            rows.append(f'    {variant}({rust}) = ("{type_const}", {status}, "{schema}"),')
        out.append(self.sample_paths())
        out.append("/// Calls `$m!` with one `Variant(Struct) = (type, const status, schema)` row per\n"
                   "/// webhook event; `webhook.rs` expands it into `WebhookEvent`.\n"
                   "macro_rules! for_each_webhook_event {\n    ($m:ident) => {\n        $m! {\n"
                   + "\n".join("        " + r for r in rows)
                   + "\n        }\n    };\n}\n\npub(crate) use for_each_webhook_event;\n")
        with open(OUT, "w") as f:
            f.write("\n".join(out))


TEST_OUT = os.path.join(ROOT, "tests", "support", "generated.rs")
# Record models the property tests cover (issue 2: "each of the seven models").
PROP_ROOTS = ["Activity", "Athlete", "Body", "Daily", "Menstruation", "Nutrition", "Sleep"]


def bounds(prop):
    """(minimum, maximum) declared on a property or inside its non-null branch."""
    lo, hi = prop.get("minimum"), prop.get("maximum")
    for branch in prop.get("anyOf", []):
        lo = branch.get("minimum", lo)
        hi = branch.get("maximum", hi)
    return lo, hi


def first_string_example(prop):
    for example in prop.get("examples", []):
        if isinstance(example, str):
            return example
    return None


def inline_enum(prop):
    for node in [prop] + prop.get("anyOf", []):
        if "enum" in node:
            return node["enum"]
    return None


class TestSupport:
    """Emits `tests/support/generated.rs`: a fully populated value of every
    generated type, proptest strategies for the seven record models, and the
    list of (type, schema) pairs the schema tests walk."""

    def __init__(self, gen):
        self.gen = gen

    # -- fully populated values ------------------------------------------------
    def value(self, owner, ty, prop, wire):
        lo, hi = bounds(prop)
        if ty == "f64":
            lo = lo if lo is not None else 0
            hi = hi if hi is not None else lo + 100
            return f"{(lo + hi) / 2 + 0.25:.2f}_f64" if hi - lo >= 1 else f"{lo}_f64"
        if ty == "i64":
            lo = int(lo) if lo is not None else 0
            hi = int(hi) if hi is not None else lo + 100
            return f"{(lo + hi) // 2}_i64"
        if ty == "bool":
            return "true"
        if ty == "String":
            allowed = inline_enum(prop)
            text = allowed[0] if allowed else first_string_example(prop) or f"{wire} value"
            return f"{json.dumps(text)}.to_owned()"
        if ty == "Timestamp":
            return "ts()"
        if ty == "serde_json::Value":
            return "serde_json::Value::from(1)"
        if ty == "BTreeMap<String, f64>":
            return "BTreeMap::from([(\"contributor\".to_owned(), 42.5)])"
        if ty == "Vec<f64>":
            return "vec![51.5074, -0.1278]"
        if ty.startswith("Vec<Option<"):
            inner = ty[len("Vec<Option<"):-2]
            return f"vec![Some({self.value(owner, inner, prop.get('items', {}), wire)})]"
        if ty.startswith("Vec<"):
            inner = ty[4:-1]
            if inner == owner:
                return "Vec::new()"  # recursive step lists: one level is enough
            return f"vec![{self.value(owner, inner, {}, wire)}]"
        return f"{ty}::populated()"

    def populated_impls(self):
        out = []
        for rust, (_, fields) in sorted(self.gen.struct_defs.items()):
            body = []
            for fname, ty, shape, prop in fields:
                value = self.value(rust, ty, prop, fname)
                body.append(f"            {fname}: {value if shape == 'plain' else f'Some({value})'},")
            out.append(f"impl Populated for {rust} {{\n    fn populated() -> Self {{\n        Self {{\n"
                       + "\n".join(body) + "\n        }\n    }\n}\n")
        for rust in sorted(self.gen.enum_defs):
            # The last named value: rarely the default, so a bug that ignores
            # the field shows up.
            out.append(f"impl Populated for {rust} {{\n    fn populated() -> Self {{\n"
                       f"        {rust}::KNOWN.last().cloned().unwrap_or_default()\n    }}\n}}\n")
        return out

    # -- proptest strategies --------------------------------------------------
    def reachable(self):
        seen, pending = set(), list(PROP_ROOTS) + ["TerraUser"]
        while pending:
            name = pending.pop()
            if name in seen or name not in self.gen.struct_defs:
                continue
            seen.add(name)
            for _, ty, _, _ in self.gen.struct_defs[name][1]:
                pending.extend(re.findall(r"[A-Z]\w*", ty))
        return seen

    def strategy(self, ty, prop):
        lo, hi = bounds(prop)
        if ty == "f64":
            # Quarter steps: exactly representable, so JSON round trips are exact.
            lo = int((lo if lo is not None else -250_000) * 4)
            hi = int((hi if hi is not None else 250_000) * 4)
            return f"({lo}_i64..={hi}_i64).prop_map(|q| q as f64 / 4.0)"
        if ty == "i64":
            lo = int(lo) if lo is not None else -1_000_000
            hi = int(hi) if hi is not None else 1_000_000
            return f"{lo}_i64..={hi}_i64"
        if ty == "bool":
            return "any::<bool>()"
        if ty == "String":
            allowed = inline_enum(prop)
            if allowed:
                return "proptest::sample::select(vec![" + ", ".join(f"{json.dumps(a)}.to_owned()" for a in allowed) + "])"
            min_len = prop.get("minLength", 0)
            return f"arb_text({min_len})"
        if ty == "Timestamp":
            return "arb_timestamp()"
        if ty == "BTreeMap<String, f64>":
            return "proptest::collection::btree_map(arb_text(1), (-4000_i64..4000).prop_map(|q| q as f64 / 4.0), 0..3)"
        if ty == "Vec<f64>":
            return "proptest::collection::vec((-720_i64..=720).prop_map(|q| q as f64 / 4.0), 2..=2)"
        if ty.startswith("Vec<Option<"):
            inner = ty[len("Vec<Option<"):-2]
            return f"proptest::collection::vec(proptest::option::of({self.strategy(inner, {})}), 0..3)"
        if ty.startswith("Vec<"):
            return f"proptest::collection::vec({self.strategy(ty[4:-1], {})}, 0..3)"
        if ty in self.gen.enum_defs:
            return f"proptest::sample::select({ty}::KNOWN.to_vec())"
        return f"arb_{snake(ty)}()"

    def strategies(self):
        out = []
        for rust in sorted(self.reachable()):
            fields = self.gen.struct_defs[rust][1]
            strategies = []
            for fname, ty, shape, prop in fields:
                strat = self.strategy(ty, prop)
                strategies.append(strat if shape == "plain" else f"proptest::option::of({strat})")
            chunks = [list(range(i, min(i + 10, len(fields)))) for i in range(0, len(fields), 10)] or [[]]
            tuple_expr = "(" + ", ".join("(" + "".join(strategies[i] + ", " for i in chunk) + ")"
                                         for chunk in chunks) + ",)"
            pattern = "(" + ", ".join("(" + "".join(fields[i][0].replace("r#", "") + "_, " for i in chunk) + ")"
                                      for chunk in chunks) + ",)"
            init = ", ".join(f"{f[0]}: {f[0].replace('r#', '')}_" for f in fields)
            out.append(f"pub fn arb_{snake(rust)}() -> BoxedStrategy<{rust}> {{\n"
                       f"    {tuple_expr}\n        .prop_map(|{pattern}| {rust} {{ {init} }})\n        .boxed()\n}}\n")
        return out

    # -- schema cases ---------------------------------------------------------
    def cases(self):
        events = {rust for _, rust, _, _, _ in self.gen.events}
        # Checked member-wise by `planned_workout_validates_member_wise` (oneOf ambiguity).
        merged = set(SDK_UNIONS.values()) | {"PlannedWorkout"}
        rows = []
        for rust, (source, _) in sorted(self.gen.struct_defs.items()):
            if source is None or rust in merged or rust in events:
                continue
            rows.append(f"    case::<{rust}>(\"{source}\"),")
        event_rows = [f"    {'sdk_' if schema.startswith('sdk/') else ''}event_case::<{rust}>(\"{schema}\"),"
                      for _, rust, _, _, schema in self.gen.events]
        enum_rows = [f"    enum_case(\"{source}\", || known_json({rust}::KNOWN), reparse::<{rust}>, {str(numeric).lower()}),"
                     for rust, (source, numeric) in sorted(self.gen.enum_defs.items())]
        return ("/// Every generated struct with the schema it mirrors.\npub fn struct_cases() -> Vec<Case> {\n    vec![\n"
                + "\n".join(rows) + "\n    ]\n}\n\n"
                "/// Every webhook event with its schema (validated through `WebhookEvent`).\n"
                "pub fn event_cases() -> Vec<Case> {\n    vec![\n" + "\n".join(event_rows) + "\n    ]\n}\n\n"
                "/// Every generated enum with its schema.\npub fn enum_cases() -> Vec<EnumCase> {\n    vec![\n"
                + "\n".join(enum_rows) + "\n    ]\n}\n")

    def write(self):
        out = [
            "//! Generated by `tools/model/gen_rust.py`; do not edit by hand.",
            "#![allow(dead_code, reason = \"each test binary uses a different part\")]",
            "",
            "use std::collections::BTreeMap;",
            "",
            "use proptest::prelude::*;",
            "use wearbridge_model::*;",
            "",
            "use super::{",
            "    Case, EnumCase, Populated, arb_text, arb_timestamp, case, enum_case, event_case, known_json,",
            "    reparse, sdk_event_case, ts,",
            "};",
            "",
        ]
        out += self.populated_impls()
        out += self.strategies()
        out.append(self.cases())
        os.makedirs(os.path.dirname(TEST_OUT), exist_ok=True)
        with open(TEST_OUT, "w") as f:
            f.write("\n".join(out))


def snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


# Names for enum values whose schema gives no title.
ENUM_LABELS = {
    ("TimestampLocalization", 0): "Utc",
    ("TimestampLocalization", 1): "Local",
}

if __name__ == "__main__":
    Generator().run()
