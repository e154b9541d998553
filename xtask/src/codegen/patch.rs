//! Edits to progenitor's output that its settings cannot express, made on the parsed file.

use std::collections::BTreeMap;

use quote::ToTokens;
use syn::{Attribute, ImplItem, ImplItemFn, Item, ItemImpl, parse_quote};

use crate::Result;

/// Applies every edit to the generated `types` module:
///
/// - every struct and enum becomes `#[non_exhaustive]`, so that a field or variant added
///   to the spec is not a breaking change for crates that use the type (they cannot build
///   it with a literal or match it exhaustively; the generated builders build it);
/// - `schemars::JsonSchema` is derived only with the crate's `schemars` feature;
/// - `extra` items (the lenient enums) are appended.
///
/// Fails when the module holds an enum of unit variants only: a strict enum, which would fail
/// a whole page on one value the spec does not list. Every string enum should have been
/// replaced by a lenient one (with its `Unknown` variant); one that was not comes from a place
/// [`super::enums::hoist`] does not look.
pub(super) fn types_module(file: &mut syn::File, extra: Vec<Item>) -> Result<()> {
    let types = module_mut(&mut file.items, "types")?;
    let mut strict = Vec::new();
    for item in types.iter_mut() {
        let attrs = match item {
            Item::Struct(item) => &mut item.attrs,
            Item::Enum(item) => {
                if item.variants.iter().all(|v| v.fields.is_empty()) {
                    strict.push(item.ident.to_string());
                }
                &mut item.attrs
            }
            _ => continue,
        };
        if !attrs.iter().any(|a| a.path().is_ident("non_exhaustive")) {
            attrs.push(parse_quote!(#[non_exhaustive]));
        }
        attrs.push(parse_quote!(#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]));
    }
    if !strict.is_empty() {
        return Err(format!(
            "progenitor generated strict enums ({}): each would fail a whole response on a \
             value the spec does not list. Teach codegen/enums.rs::hoist to find them.",
            strict.join(", ")
        )
        .into());
    }
    types.extend(extra);
    Ok(())
}

/// Descriptions by type or builder name (`Backup`, `ListBackups`), then by field or
/// parameter name.
pub(super) type Docs = BTreeMap<String, BTreeMap<String, String>>;

/// What a builder is for, after "A builder for <the type>: ".
const BUILDER: &str = "set fields with its methods, then convert it with `try_into()`; a \
                       required field left unset is an error then.";

/// Documents what progenitor leaves bare, so that every public item of the client crate has
/// docs:
///
/// - a field whose schema is a `$ref` (OpenAPI 3.0 gives a reference no description of its
///   own) gets the first paragraph of its type's description;
/// - a flattened map of other fields, each type's `builder()`, every builder in
///   `types::builder` and each of their setters (with the field's description);
/// - the operation builders' `new` and setters (with the `parameters`' descriptions).
pub(super) fn document(file: &mut syn::File, parameters: &Docs) -> Result<()> {
    let types = module_mut(&mut file.items, "types")?;
    let type_docs: BTreeMap<String, String> = types
        .iter()
        .filter_map(|item| match item {
            Item::Struct(item) => Some((item.ident.to_string(), doc_of(&item.attrs)?)),
            Item::Enum(item) => Some((item.ident.to_string(), doc_of(&item.attrs)?)),
            _ => None,
        })
        .collect();
    let mut field_docs = Docs::new();
    for item in types.iter_mut() {
        let Item::Struct(item) = item else { continue };
        for field in item.fields.iter_mut() {
            let Some(ident) = &field.ident else { continue };
            if doc_of(&field.attrs).is_none() {
                let doc = if is_flattened(&field.attrs) {
                    Some("The object's other fields, by name.".to_owned())
                } else {
                    named_type(&field.ty)
                        .and_then(|ty| type_docs.get(&ty))
                        .map(|doc| doc.split("\n\n").next().unwrap_or(doc).trim().to_owned())
                };
                if let Some(doc) = doc {
                    field.attrs.insert(0, doc_attribute(&doc));
                }
            }
            if let Some(doc) = doc_of(&field.attrs) {
                let fields = field_docs.entry(item.ident.to_string()).or_default();
                fields.insert(ident.to_string(), doc);
            }
        }
    }
    for (_, function) in bare_methods(types) {
        if function.sig.ident == "builder" {
            let doc = format!("A builder for this type: {BUILDER}");
            function.attrs.insert(0, doc_attribute(&doc));
        }
    }
    if let Ok(builders) = module_mut(types, "builder") {
        bare_structs(builders, |name| {
            format!("A builder for [`{name}`](super::{name}): {BUILDER}")
        });
        for (owner, function) in bare_methods(builders) {
            let field = function.sig.ident.to_string();
            let doc = described(format!("Sets `{field}`."), &field_docs, &owner, &field);
            function.attrs.insert(0, doc_attribute(&doc));
        }
    }
    if let Ok(errors) = module_mut(types, "error") {
        bare_structs(errors, |_| "Why a value could not be converted.".to_owned());
    }
    for (owner, function) in bare_methods(module_mut(&mut file.items, "builder")?) {
        let doc = match function.sig.ident.to_string().as_str() {
            "new" => "A request with nothing set yet; the client's method of the same \
                      operation makes one."
                .to_owned(),
            "body" => "Sets the request body: the body type, or its builder.".to_owned(),
            "body_map" => "Changes the request body through its builder.".to_owned(),
            parameter => {
                let head = format!("Sets the `{parameter}` parameter.");
                described(head, parameters, &owner, parameter)
            }
        };
        function.attrs.insert(0, doc_attribute(&doc));
    }
    Ok(())
}

/// `head`, then the description `docs` hold for `owner`'s `name`, when there is one.
fn described(head: String, docs: &Docs, owner: &str, name: &str) -> String {
    match docs.get(owner).and_then(|members| members.get(name)) {
        Some(text) => format!("{head}\n\n{text}"),
        None => head,
    }
}

/// Documents each struct among `items` that has no docs with `doc(its name)`.
fn bare_structs(items: &mut [Item], doc: impl Fn(&syn::Ident) -> String) {
    for item in items {
        if let Item::Struct(item) = item
            && doc_of(&item.attrs).is_none()
        {
            item.attrs.insert(0, doc_attribute(&doc(&item.ident)));
        }
    }
}

/// The methods without docs of the inherent `impl` blocks among `items`, with their type's name.
fn bare_methods(items: &mut [Item]) -> impl Iterator<Item = (String, &mut ImplItemFn)> {
    items.iter_mut().flat_map(|item| {
        let Item::Impl(ItemImpl { trait_: None, self_ty, items, .. }) = item else {
            return Vec::new();
        };
        let owner = named_type(self_ty).unwrap_or_default();
        items
            .iter_mut()
            .filter_map(|member| match member {
                ImplItem::Fn(function) if doc_of(&function.attrs).is_none() => {
                    Some((owner.clone(), function))
                }
                _ => None,
            })
            .collect()
    })
}

/// The items of progenitor's module `name` among `items`.
fn module_mut<'a>(items: &'a mut [Item], name: &str) -> Result<&'a mut Vec<Item>> {
    let found = items.iter_mut().find_map(|item| match item {
        Item::Mod(module) if module.ident == name => module.content.as_mut().map(|c| &mut c.1),
        _ => None,
    });
    found.ok_or_else(|| format!("progenitor's output has no `{name}` module").into())
}

/// The text of an item's doc comments, or `None` when it has none.
fn doc_of(attrs: &[Attribute]) -> Option<String> {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta.require_name_value().ok()?.value {
            syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. }) => {
                // `/// text` is `#[doc = " text"]`: the space is the comment's, not the text's.
                let line = text.value();
                Some(line.strip_prefix(' ').unwrap_or(&line).to_owned())
            }
            _ => None,
        })
        .collect();
    let text = lines.join("\n");
    (!text.trim().is_empty()).then(|| text.trim().to_owned())
}

fn doc_attribute(text: &str) -> Attribute {
    parse_quote!(#[doc = #text])
}

fn is_flattened(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("serde") && attr.to_token_stream().to_string().contains("flatten")
    })
}

/// The last segment of a field's type, looking through `Option<..>`: the name of a
/// generated type when the field refers to one.
fn named_type(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident == "Option"
        && let syn::PathArguments::AngleBracketed(args) = &last.arguments
        && let Some(syn::GenericArgument::Type(inner)) = args.args.first()
    {
        return named_type(inner);
    }
    Some(last.ident.to_string())
}

#[cfg(test)]
#[path = "../tests/patch.rs"]
mod tests;
