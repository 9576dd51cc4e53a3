//! Test support: validate JSON against the committed Terra schemas.
//!
//! Enabled by the `testing` feature. [`validate`] runs a JSON Schema 2020-12
//! validator (the `jsonschema` crate) over a value *and* reports every object
//! key the schema does not declare. Terra's schemas leave
//! `additionalProperties` open, so a plain validator would accept a misspelt
//! key such as `met_data`; apps written for Terra would then silently miss the
//! field. The undeclared-key walk follows `$ref`, `allOf`, `anyOf`/`oneOf`
//! (taking the best-matching branch), `items` and `prefixItems`.
//!
//! Schemas are read from this crate's `schemas/` directory (structure-only
//! copies of tryterra/openapi, see `schemas/README.md`). Schema names are the
//! path below `schemas/` without `.json`, e.g. `core/Activity`,
//! `api/DataResponse.daily`, `api/sdk/User_GetInfoForUserID.200`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use jsonschema::{Resource, Validator};
use serde_json::Value;

/// Base URI the schemas are registered under; relative `$ref`s resolve against it.
const BASE_URI: &str = "https://schemas.wearbridge.invalid/";

/// Validates `value` against the committed schema `schema_name` and reports
/// undeclared keys. Each error names the JSON path it concerns.
pub fn validate(schema_name: &str, value: &Value) -> Result<(), Vec<String>> {
    let store = store().map_err(|error| vec![error.clone()])?;
    let name = store.resolve_name(schema_name)?;
    let validator = store.validator(&name)?;
    let mut errors: Vec<String> = validator
        .iter_errors(value)
        .map(|error| {
            format!(
                "{}: {error}",
                display_path(&error.instance_path.to_string())
            )
        })
        .collect();
    let root = store.doc(&name)?;
    errors.extend(store.undeclared(
        &Node {
            doc: &name,
            schema: root,
        },
        value,
        "",
        0,
    ));
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Names of every committed schema (`core/...`, `sdk/...`, `v2/...`, `api/...`).
pub fn schema_names() -> Vec<String> {
    store()
        .map(|store| store.docs.keys().cloned().collect())
        .unwrap_or_default()
}

/// The committed schema document of that name, if it exists (for tests that
/// read the `examples` embedded in the schemas).
pub fn schema(schema_name: &str) -> Option<Value> {
    let store = store().ok()?;
    let name = store.resolve_name(schema_name).ok()?;
    store.docs.get(&name).cloned()
}

fn display_path(path: &str) -> &str {
    if path.is_empty() { "/" } else { path }
}

struct Store {
    docs: BTreeMap<String, Value>,
    validators: Mutex<HashMap<String, Arc<Validator>>>,
}

fn store() -> Result<&'static Store, &'static String> {
    static STORE: OnceLock<Result<Store, String>> = OnceLock::new();
    STORE.get_or_init(load_store).as_ref()
}

fn load_store() -> Result<Store, String> {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/schemas"));
    let mut docs = BTreeMap::new();
    load_dir(&root, &root, &mut docs)?;
    Ok(Store {
        docs,
        validators: Mutex::new(HashMap::new()),
    })
}

fn load_dir(root: &Path, dir: &Path, docs: &mut BTreeMap<String, Value>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            load_dir(root, &path, docs)?;
        } else if path.extension().is_some_and(|ext| ext == "json") {
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let doc: Value =
                serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            let relative = path.strip_prefix(root).map_err(|e| e.to_string())?;
            let name = relative
                .with_extension("")
                .to_string_lossy()
                .replace('\\', "/");
            docs.insert(name, doc);
        }
    }
    Ok(())
}

/// A schema node and the document it lives in (for resolving relative `$ref`s).
#[derive(Clone, Copy)]
struct Node<'a> {
    doc: &'a str,
    schema: &'a Value,
}

/// One way an instance can satisfy a schema, flattened across `$ref`/`allOf`
/// and one chosen branch of each `anyOf`/`oneOf`.
#[derive(Default, Clone)]
struct Shape<'a> {
    properties: BTreeMap<&'a str, Vec<Node<'a>>>,
    /// `additionalProperties`/`unevaluatedProperties`/`patternProperties` allow more keys.
    open: bool,
    /// Declares object structure (`type: object` or `properties`).
    object: bool,
    items: Vec<Node<'a>>,
    prefix_items: Vec<Vec<Node<'a>>>,
    /// False when a `type` or `const` rules this shape out for the instance.
    applicable: bool,
}

impl<'a> Shape<'a> {
    fn merge(mut self, other: Shape<'a>) -> Shape<'a> {
        for (key, nodes) in other.properties {
            self.properties.entry(key).or_default().extend(nodes);
        }
        self.open |= other.open;
        self.object |= other.object;
        self.items.extend(other.items);
        for (index, nodes) in other.prefix_items.into_iter().enumerate() {
            if self.prefix_items.len() <= index {
                self.prefix_items.push(Vec::new());
            }
            if let Some(slot) = self.prefix_items.get_mut(index) {
                slot.extend(nodes);
            }
        }
        self.applicable &= other.applicable;
        self
    }
}

/// Guards against `$ref` cycles that never reach an object.
const MAX_DEPTH: usize = 64;

impl Store {
    fn resolve_name(&self, schema_name: &str) -> Result<String, Vec<String>> {
        let trimmed = schema_name.trim_end_matches(".json");
        if self.docs.contains_key(trimmed) {
            return Ok(trimmed.to_owned());
        }
        let core = format!("core/{trimmed}");
        if self.docs.contains_key(&core) {
            return Ok(core);
        }
        Err(vec![format!(
            "unknown schema {schema_name:?} (see schemas/README.md)"
        )])
    }

    fn doc(&self, name: &str) -> Result<&Value, Vec<String>> {
        self.docs
            .get(name)
            .ok_or_else(|| vec![format!("schema {name:?} referenced but not committed")])
    }

    fn validator(&self, name: &str) -> Result<Arc<Validator>, Vec<String>> {
        let mut cache = self
            .validators
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(validator) = cache.get(name) {
            return Ok(Arc::clone(validator));
        }
        let validator = Arc::new(self.build_validator(name)?);
        cache.insert(name.to_owned(), Arc::clone(&validator));
        Ok(validator)
    }

    /// Builds a validator with the schema and every document it reaches
    /// through `$ref` registered under [`BASE_URI`].
    fn build_validator(&self, name: &str) -> Result<Validator, Vec<String>> {
        let mut resources = Vec::new();
        for doc_name in self.closure(name)? {
            let mut doc = self.doc(&doc_name)?.clone();
            let uri = format!("{BASE_URI}{doc_name}.json");
            if let Value::Object(map) = &mut doc {
                map.insert("$id".to_owned(), Value::String(uri.clone()));
            }
            let resource =
                Resource::from_contents(doc).map_err(|e| vec![format!("{doc_name}: {e}")])?;
            resources.push((uri, resource));
        }
        let root = json_with_id(self.doc(name)?, name);
        jsonschema::options()
            .with_resources(resources.into_iter())
            .build(&root)
            .map_err(|e| vec![format!("schema {name} does not compile: {e}")])
    }

    /// Every document reachable from `name` through `$ref`s.
    fn closure(&self, name: &str) -> Result<Vec<String>, Vec<String>> {
        let mut seen = HashSet::new();
        let mut pending = vec![name.to_owned()];
        while let Some(current) = pending.pop() {
            if !seen.insert(current.clone()) {
                continue;
            }
            let mut refs = Vec::new();
            collect_refs(self.doc(&current)?, &mut refs);
            for reference in refs {
                if let Some((target, _)) = resolve_ref(&current, reference) {
                    pending.push(target);
                }
            }
        }
        Ok(seen.into_iter().collect())
    }

    fn follow<'a>(&'a self, from: &'a str, reference: &str) -> Option<Node<'a>> {
        let (target, pointer) = resolve_ref(from, reference)?;
        let (doc_name, doc) = self.docs.get_key_value(&target)?;
        let schema = if pointer.is_empty() {
            doc
        } else {
            doc.pointer(&pointer)?
        };
        Some(Node {
            doc: doc_name,
            schema,
        })
    }

    /// The alternatives `node` offers for `value` (one per combination of
    /// `anyOf`/`oneOf` branches).
    fn shapes<'a>(&'a self, node: Node<'a>, value: &Value, depth: usize) -> Vec<Shape<'a>> {
        let Value::Object(schema) = node.schema else {
            return vec![Shape {
                applicable: true,
                open: true,
                ..Shape::default()
            }];
        };
        let mut base = own_shape(node, schema, value);
        if depth > MAX_DEPTH {
            base.open = true;
            return vec![base];
        }
        let mut shapes = vec![base];
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let target = self.follow(node.doc, reference);
            let alternatives = target.map_or_else(Vec::new, |t| self.shapes(t, value, depth + 1));
            shapes = product(shapes, alternatives);
        }
        for member in array_of(schema.get("allOf")) {
            let alternatives = self.shapes(
                Node {
                    doc: node.doc,
                    schema: member,
                },
                value,
                depth + 1,
            );
            shapes = product(shapes, alternatives);
        }
        for keyword in ["anyOf", "oneOf"] {
            let branches = array_of(schema.get(keyword));
            if branches.is_empty() {
                continue;
            }
            let alternatives = branches
                .iter()
                .flat_map(|branch| {
                    self.shapes(
                        Node {
                            doc: node.doc,
                            schema: branch,
                        },
                        value,
                        depth + 1,
                    )
                })
                .collect();
            shapes = product(shapes, alternatives);
        }
        shapes.retain(|shape| shape.applicable);
        shapes
    }

    /// Undeclared keys in `value`, as `path: message` strings.
    fn undeclared(&self, node: &Node<'_>, value: &Value, path: &str, depth: usize) -> Vec<String> {
        let shapes = self.shapes(*node, value, depth);
        let mut best: Option<Vec<String>> = None;
        for shape in &shapes {
            let errors = self.shape_errors(shape, value, path, depth);
            if errors.is_empty() {
                return errors;
            }
            if best.as_ref().is_none_or(|b| errors.len() < b.len()) {
                best = Some(errors);
            }
        }
        best.unwrap_or_default()
    }

    fn shape_errors(
        &self,
        shape: &Shape<'_>,
        value: &Value,
        path: &str,
        depth: usize,
    ) -> Vec<String> {
        let mut errors = Vec::new();
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    let child_path = format!("{path}/{key}");
                    match shape.properties.get(key.as_str()) {
                        Some(nodes) => {
                            for node in nodes {
                                errors.extend(self.undeclared(node, child, &child_path, depth + 1));
                            }
                        }
                        None if shape.object && !shape.open => {
                            errors.push(format!("{child_path}: key not declared by the schema"));
                        }
                        None => {}
                    }
                }
            }
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    let item_path = format!("{path}/{index}");
                    let nodes = shape.prefix_items.get(index).unwrap_or(&shape.items);
                    for node in nodes {
                        errors.extend(self.undeclared(node, item, &item_path, depth + 1));
                    }
                }
            }
            _ => {}
        }
        errors
    }
}

/// The shape a schema object declares by itself (without following references).
fn own_shape<'a>(
    node: Node<'a>,
    schema: &'a serde_json::Map<String, Value>,
    value: &Value,
) -> Shape<'a> {
    let mut shape = Shape {
        applicable: type_allows(schema, value),
        ..Shape::default()
    };
    if let Some(Value::Object(properties)) = schema.get("properties") {
        shape.object = true;
        for (key, property) in properties {
            shape.properties.insert(
                key.as_str(),
                vec![Node {
                    doc: node.doc,
                    schema: property,
                }],
            );
        }
    }
    if schema.get("type").and_then(Value::as_str) == Some("object") {
        shape.object = true;
    }
    let opens = |keyword: &str| {
        schema
            .get(keyword)
            .is_some_and(|v| v != &Value::Bool(false))
    };
    shape.open = opens("additionalProperties")
        || opens("unevaluatedProperties")
        || opens("patternProperties");
    if let Some(items) = schema.get("items") {
        shape.items.push(Node {
            doc: node.doc,
            schema: items,
        });
    }
    for item in array_of(schema.get("prefixItems")) {
        shape.prefix_items.push(vec![Node {
            doc: node.doc,
            schema: item,
        }]);
    }
    shape
}

/// Whether `type` and `const` permit `value` (so a `null` branch is not
/// chosen for an object, and an event's `type` const picks its branch).
fn type_allows(schema: &serde_json::Map<String, Value>, value: &Value) -> bool {
    if schema
        .get("const")
        .is_some_and(|constant| !same_json(constant, value))
    {
        return false;
    }
    if let Some(Value::Object(properties)) = schema.get("properties") {
        let const_mismatch = properties.iter().any(|(key, property)| {
            matches!((property.get("const"), value.get(key)), (Some(c), Some(actual)) if !same_json(c, actual))
        });
        if const_mismatch {
            return false;
        }
    }
    match schema.get("type") {
        Some(Value::String(kind)) => json_type_matches(kind, value),
        Some(Value::Array(kinds)) => kinds
            .iter()
            .filter_map(Value::as_str)
            .any(|kind| json_type_matches(kind, value)),
        _ => true,
    }
}

/// JSON equality with numbers compared by value (`1` == `1.0`), as JSON Schema does.
fn same_json(left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        _ => left == right,
    }
}

fn json_type_matches(kind: &str, value: &Value) -> bool {
    match kind {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.as_f64().is_some_and(|n| n.fract() == 0.0),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        _ => true,
    }
}

fn product<'a>(left: Vec<Shape<'a>>, right: Vec<Shape<'a>>) -> Vec<Shape<'a>> {
    let mut out = Vec::with_capacity(left.len() * right.len().max(1));
    for l in &left {
        for r in &right {
            out.push(l.clone().merge(r.clone()));
        }
    }
    out
}

fn array_of(value: Option<&Value>) -> &[Value] {
    value.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn collect_refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                match (key.as_str(), child) {
                    ("$ref", Value::String(reference)) => out.push(reference),
                    _ => collect_refs(child, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_refs(item, out)),
        _ => {}
    }
}

/// `(document name, JSON pointer)` of a `$ref` written in document `from`.
fn resolve_ref(from: &str, reference: &str) -> Option<(String, String)> {
    let (file, pointer) = reference.split_once('#').unwrap_or((reference, ""));
    if file.is_empty() {
        return Some((from.to_owned(), pointer.to_owned()));
    }
    let mut segments: Vec<&str> = from.split('/').collect();
    segments.pop();
    for part in file.trim_end_matches(".json").split('/') {
        match part {
            ".." => {
                segments.pop()?;
            }
            "." | "" => {}
            other => segments.push(other),
        }
    }
    Some((segments.join("/"), pointer.to_owned()))
}

fn json_with_id(doc: &Value, name: &str) -> Value {
    let mut doc = doc.clone();
    if let Value::Object(map) = &mut doc {
        map.insert(
            "$id".to_owned(),
            Value::String(format!("{BASE_URI}{name}.json")),
        );
    }
    doc
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn resolves_relative_refs() {
        assert_eq!(
            resolve_ref("api/v2/User_Get.200", "../../v2/TerraUser.json"),
            Some(("v2/TerraUser".to_owned(), String::new()))
        );
        assert_eq!(
            resolve_ref("core/Daily", "#/$defs/RecordFloat"),
            Some(("core/Daily".to_owned(), "/$defs/RecordFloat".to_owned()))
        );
        assert_eq!(resolve_ref("core/A", "../../../x.json"), None);
    }

    #[test]
    fn reports_undeclared_keys_and_schema_errors() {
        let user = json!({"user_id": "u", "provider": "GARMIN", "scopes": null});
        assert_eq!(validate("core/TerraUser", &user), Ok(()));
        let typo = json!({"user_id": "u", "provider": "GARMIN", "scope": "x"});
        let errors = validate("core/TerraUser", &typo).err().unwrap_or_default();
        assert_eq!(
            errors,
            vec!["/scope: key not declared by the schema".to_owned()]
        );
        let missing = json!({"user_id": "u"});
        assert!(validate("core/TerraUser", &missing).is_err());
    }

    #[test]
    fn walks_refs_arrays_and_open_maps() {
        let sleep = json!({
            "metadata": {"start_time": "2022-10-28T22:00:00.000000+01:00", "end_time": "2022-10-29T06:00:00.000000+01:00", "upload_type": 1},
            "heart_rate_data": {"detailed": {"hr_samples": [{"bpm": 50, "timestamp": "2022-10-28T22:00:00.000000+01:00", "bmp": 1}]}},
            "data_enrichment": {"sleep_contributors": {"any_name": 1.0}}
        });
        let errors = validate("core/Sleep", &sleep).err().unwrap_or_default();
        assert_eq!(
            errors,
            vec![
                "/heart_rate_data/detailed/hr_samples/0/bmp: key not declared by the schema"
                    .to_owned()
            ]
        );
    }

    #[test]
    fn unknown_schema_is_an_error() {
        assert!(validate("core/NoSuchThing", &json!({})).is_err());
    }
}
