//! The public surface of generated code: every item a dependent crate can name, with what its
//! code depends on (a field's type, a function's signature, a type's derives); README.md says
//! why compat compares it.

use std::collections::BTreeMap;

use quote::ToTokens;
use syn::{ImplItem, Item, Visibility};

/// One public item: the text a dependent's code depends on, and where it belongs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// What a user's code sees of it: a field's type, a function's signature.
    pub signature: String,
    /// The type it belongs to (a field, variant, method, derive or trait impl of it).
    pub owner: Option<String>,
    /// A field or variant: a new one breaks literals and exhaustive matches of a type that
    /// is not `#[non_exhaustive]`.
    pub member: bool,
}

/// Every public item of `code` (a Rust file), by path.
///
/// # Errors
///
/// Code that does not parse.
pub fn surface(code: &str) -> Result<BTreeMap<String, Entry>, String> {
    let file = syn::parse_file(code).map_err(|e| format!("parsing generated code: {e}"))?;
    let mut items = Surface::default();
    items.walk(&file.items, "");
    Ok(items.0)
}

/// Whether a struct or enum at `path` is `#[non_exhaustive]`.
fn non_exhaustive_key(path: &str) -> String {
    format!("{path} #[non_exhaustive]")
}

/// One difference between two surfaces that can break a dependent crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    pub path: String,
    pub what: String,
}

/// What changed from `old` to `new`: the breaks (a removed type once, not again for each of
/// its fields and methods), and how many items were added harmlessly.
pub fn compare(
    old: &BTreeMap<String, Entry>,
    new: &BTreeMap<String, Entry>,
) -> (Vec<Break>, usize) {
    let removed = |path: &str| old.contains_key(path) && !new.contains_key(path);
    let mut breaks = Vec::new();
    let mut broke = |path: &str, what: String| breaks.push(Break { path: path.to_owned(), what });
    for (path, entry) in old {
        match new.get(path) {
            None if entry.owner.as_deref().is_some_and(removed) => {}
            None => {
                let owned = old.values().filter(|e| e.owner.as_deref() == Some(path.as_str()));
                let what = match owned.count() {
                    0 => "removed".into(),
                    n => format!("removed, with {n} item(s) of its own"),
                };
                broke(path, what);
            }
            Some(now) if now.signature != entry.signature => {
                broke(path, format!("changed from `{}` to `{}`", entry.signature, now.signature))
            }
            Some(_) => {}
        }
    }
    let mut added = 0;
    for (path, entry) in new {
        if old.contains_key(path) {
            continue;
        }
        match &entry.owner {
            // A new type is nobody's literal yet.
            Some(owner)
                if entry.member
                    && old.contains_key(owner)
                    && !new.contains_key(&non_exhaustive_key(owner)) =>
            {
                let what = "which is not #[non_exhaustive]: struct literals and exhaustive \
                            matches break";
                broke(path, format!("added to `{owner}`, {what}"))
            }
            _ => added += 1,
        }
    }
    (breaks, added)
}

#[derive(Default)]
struct Surface(BTreeMap<String, Entry>);

impl Surface {
    fn put(&mut self, path: String, signature: String, owner: Option<&str>, member: bool) {
        let owner = owner.map(str::to_owned);
        self.0.insert(path, Entry { signature, owner, member });
    }

    fn walk(&mut self, items: &[Item], prefix: &str) {
        for item in items {
            match item {
                Item::Mod(module) if is_pub(&module.vis) => {
                    if let Some((_, content)) = &module.content {
                        self.walk(content, &format!("{prefix}{}::", module.ident));
                    }
                }
                Item::Struct(s) if is_pub(&s.vis) => {
                    let path = format!("{prefix}{}", s.ident);
                    self.type_def(&path, format!("struct{}", tokens(&s.generics)), &s.attrs);
                    // A named field by its name, a tuple field by its index.
                    for (i, field) in s.fields.iter().enumerate().filter(|(_, f)| is_pub(&f.vis)) {
                        let name = field.ident.as_ref().map_or(i.to_string(), ToString::to_string);
                        self.put(format!("{path}.{name}"), tokens(&field.ty), Some(&path), true);
                    }
                }
                Item::Enum(e) if is_pub(&e.vis) => {
                    let path = format!("{prefix}{}", e.ident);
                    self.type_def(&path, format!("enum{}", tokens(&e.generics)), &e.attrs);
                    for variant in &e.variants {
                        self.put(
                            format!("{path}::{}", variant.ident),
                            tokens(&variant.fields),
                            Some(&path),
                            true,
                        );
                    }
                }
                Item::Impl(block) => {
                    // `impl From<Newtype> for String` belongs to the newtype: it goes with it.
                    let owner = match (&block.trait_, is_foreign(&block.self_ty)) {
                        (Some((trait_path, _)), true) => trait_argument(trait_path)
                            .map_or_else(|| tokens(&block.self_ty), |ty| type_path(prefix, ty)),
                        _ => type_path(prefix, &block.self_ty),
                    };
                    if let Some((trait_path, _)) = &block.trait_ {
                        // A trait impl is public wherever its type is; what it promises is
                        // the trait, its arguments and the impl's generics.
                        self.put(
                            format!("{owner}: impl {}", tokens(trait_path)),
                            tokens(&block.generics),
                            Some(&owner),
                            false,
                        );
                        continue;
                    }
                    for member in &block.items {
                        let (name, signature) = match member {
                            ImplItem::Fn(f) if is_pub(&f.vis) => (&f.sig.ident, tokens(&f.sig)),
                            ImplItem::Const(c) if is_pub(&c.vis) => (&c.ident, tokens(&c.ty)),
                            _ => continue,
                        };
                        self.put(format!("{owner}::{name}"), signature, Some(&owner), false);
                    }
                }
                _ => {
                    let (name, signature) = match item {
                        Item::Fn(f) if is_pub(&f.vis) => (f.sig.ident.to_string(), tokens(&f.sig)),
                        Item::Const(c) if is_pub(&c.vis) => (c.ident.to_string(), tokens(&c.ty)),
                        Item::Type(t) if is_pub(&t.vis) => (t.ident.to_string(), tokens(&t.ty)),
                        Item::Trait(t) if is_pub(&t.vis) => {
                            (format!("trait {}", t.ident), tokens(&t.generics))
                        }
                        Item::Use(u) if is_pub(&u.vis) => {
                            (format!("use {}", tokens(&u.tree)), String::new())
                        }
                        _ => continue,
                    };
                    self.put(format!("{prefix}{name}"), signature, None, false);
                }
            }
        }
    }

    /// A struct or enum, and the attributes a dependent's code relies on: each derived trait,
    /// the feature-gated derives, and `#[non_exhaustive]` (whose presence decides whether a
    /// new field or variant breaks anyone).
    fn type_def(&mut self, path: &str, signature: String, attrs: &[syn::Attribute]) {
        self.put(path.to_owned(), signature, None, false);
        for attr in attrs {
            let keys = match attr.path().to_token_stream().to_string().as_str() {
                "derive" => {
                    type Paths = syn::punctuated::Punctuated<syn::Path, syn::Token![,]>;
                    let Ok(list) = attr.parse_args_with(Paths::parse_terminated) else {
                        continue;
                    };
                    list.iter()
                        .map(|derived| format!("{path}: derive {}", tokens(derived)))
                        .collect()
                }
                "non_exhaustive" => vec![non_exhaustive_key(path)],
                "cfg_attr" => vec![format!("{path}: #[{}]", tokens(&attr.meta))],
                _ => continue,
            };
            for key in keys {
                self.put(key, String::new(), Some(path), false);
            }
        }
    }
}

/// Whether a type is std's (or another crate's, named from the root): `::std::string::String`.
fn is_foreign(ty: &syn::Type) -> bool {
    let syn::Type::Path(path) = ty else {
        return true;
    };
    let std = |s: &syn::PathSegment| ["std", "core", "alloc"].iter().any(|name| s.ident == name);
    path.path.leading_colon.is_some() || path.path.segments.first().is_some_and(std)
}

/// The first type argument of a trait path that is not foreign (`Newtype` in `From<Newtype>`).
fn trait_argument(trait_path: &syn::Path) -> Option<&syn::Type> {
    let syn::PathArguments::AngleBracketed(arguments) = &trait_path.segments.last()?.arguments
    else {
        return None;
    };
    arguments.args.iter().find_map(|argument| match argument {
        syn::GenericArgument::Type(ty) if !is_foreign(ty) => Some(ty),
        _ => None,
    })
}

/// The path of the type an `impl` in module `prefix` is for, without generic arguments and
/// with `super::` and `crate::` resolved: `builder::DeleteBackup<'a>` in the root is
/// `builder::DeleteBackup`, `super::Backup` in `types::builder` is `types::Backup`.
fn type_path(prefix: &str, ty: &syn::Type) -> String {
    let syn::Type::Path(path) = ty else {
        return format!("{prefix}{}", tokens(ty));
    };
    let mut segments: Vec<String> =
        prefix.split("::").filter(|s| !s.is_empty()).map(str::to_owned).collect();
    for segment in &path.path.segments {
        match segment.ident.to_string().as_str() {
            "super" => {
                segments.pop();
            }
            "crate" => segments.clear(),
            "self" => {}
            name => segments.push(name.to_owned()),
        }
    }
    segments.join("::")
}

fn is_pub(vis: &Visibility) -> bool {
    matches!(vis, Visibility::Public(_))
}

/// The item's tokens as text, spaced the way people write Rust (`Option<String>`, not
/// `Option < String >`), so that a report reads well.
fn tokens(value: &impl ToTokens) -> String {
    let mut text = value.to_token_stream().to_string();
    for (from, to) in [
        // The generated code spells out std's paths; people read the short names.
        (":: std :: option :: ", ""),
        (":: std :: string :: ", ""),
        (":: std :: convert :: ", ""),
        (":: std :: fmt :: ", "fmt :: "),
        (":: std :: ", "std :: "),
        (" :: ", "::"),
        (":: ", "::"),
        (" ::", "::"),
        (" : ", ": "),
        (" < ", "<"),
        ("< ", "<"),
        (" <", "<"),
        (" >", ">"),
        (" ,", ","),
        ("& ", "&"),
        (" (", "("),
        ("( ", "("),
        (" )", ")"),
        (" [", "["),
        ("[ ", "["),
        (" ]", "]"),
        (" ;", ";"),
        (",>", ">"),
    ] {
        text = text.replace(from, to);
    }
    text
}
