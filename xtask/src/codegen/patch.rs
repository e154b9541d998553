//! Edits to progenitor's output that its settings cannot express, made on the parsed file.

use quote::ToTokens;
use syn::punctuated::Punctuated;
use syn::{Attribute, Item, Meta, Path, Token, parse_quote};

use crate::Result;

/// The derive that [`gate_derive`] moves behind the crate's `schemars` feature.
pub(super) const SCHEMARS_DERIVE: &str = "schemars::JsonSchema";

/// Applies every edit to the generated `types` module:
///
/// - every struct and enum becomes `#[non_exhaustive]`, so that a field or variant added
///   to the spec is not a breaking change for crates that use the type (they cannot build
///   it with a literal or match it exhaustively; the generated builders build it);
/// - `schemars::JsonSchema` is derived only with the crate's `schemars` feature;
/// - `extra` items (the lenient enums) are appended.
pub(super) fn types_module(file: &mut syn::File, extra: Vec<Item>) -> Result<()> {
    let types = file
        .items
        .iter_mut()
        .find_map(|item| match item {
            Item::Mod(module) if module.ident == "types" => module.content.as_mut(),
            _ => None,
        })
        .ok_or("progenitor's output has no `types` module")?;
    for item in types.1.iter_mut() {
        let attrs = match item {
            Item::Struct(item) => &mut item.attrs,
            Item::Enum(item) => &mut item.attrs,
            _ => continue,
        };
        if !attrs.iter().any(|a| a.path().is_ident("non_exhaustive")) {
            attrs.push(parse_quote!(#[non_exhaustive]));
        }
        gate_derive(attrs, SCHEMARS_DERIVE, "schemars")?;
    }
    types.1.extend(extra);
    Ok(())
}

/// Removes `derive_path` from the item's `#[derive(...)]` lists and, when it was there,
/// derives it under `#[cfg_attr(feature = "<feature>", derive(...))]` instead.
fn gate_derive(attrs: &mut Vec<Attribute>, derive_path: &str, feature: &str) -> Result<()> {
    let wanted: Path = syn::parse_str(derive_path)?;
    let wanted_text = wanted.to_token_stream().to_string();
    let mut found = false;
    for attr in attrs.iter_mut() {
        if !attr.path().is_ident("derive") {
            continue;
        }
        let paths = attr.parse_args_with(Punctuated::<Path, Token![,]>::parse_terminated)?;
        let kept: Punctuated<Path, Token![,]> = paths
            .iter()
            .filter(|p| p.to_token_stream().to_string() != wanted_text)
            .cloned()
            .collect();
        if kept.len() != paths.len() {
            found = true;
            *attr = parse_quote!(#[derive(#kept)]);
        }
    }
    if found {
        let attr: Attribute = parse_quote!(#[cfg_attr(feature = #feature, derive(#wanted))]);
        attrs.push(attr);
    }
    attrs.retain(|attr| match &attr.meta {
        Meta::List(list) if list.path.is_ident("derive") => !list.tokens.is_empty(),
        _ => true,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patched(source: &str) -> String {
        let mut file: syn::File = syn::parse_str(source).unwrap();
        types_module(
            &mut file,
            vec![parse_quote!(
                pub struct Added;
            )],
        )
        .unwrap();
        file.to_token_stream().to_string()
    }

    #[test]
    fn types_become_non_exhaustive_and_schemars_is_gated() {
        let out = patched(
            "pub mod types { #[derive(Clone, schemars::JsonSchema)] pub struct A { pub x: i64 } \
             #[derive(schemars::JsonSchema)] pub enum B { C } } pub struct Outside;",
        );
        assert_eq!(
            out,
            "pub mod types { # [derive (Clone)] # [non_exhaustive] \
             # [cfg_attr (feature = \"schemars\" , derive (schemars :: JsonSchema))] \
             pub struct A { pub x : i64 } # [non_exhaustive] \
             # [cfg_attr (feature = \"schemars\" , derive (schemars :: JsonSchema))] \
             pub enum B { C } pub struct Added ; } pub struct Outside ;"
        );
    }

    #[test]
    fn no_types_module_is_an_error() {
        let mut file: syn::File = syn::parse_str("pub struct A;").unwrap();
        assert!(types_module(&mut file, Vec::new()).is_err());
    }
}
