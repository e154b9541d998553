//! The generated client's public items, and the changes of them that break a dependent.

use vpsorg_compat::surface::{compare, surface};

fn breaks(old: &str, new: &str) -> (Vec<String>, usize) {
    let (breaks, added) = compare(&surface(old).unwrap(), &surface(new).unwrap());
    (breaks.into_iter().map(|b| format!("{}: {}", b.path, b.what)).collect(), added)
}

#[test]
fn a_field_that_loses_its_option_is_a_break() {
    let old = "pub mod types { #[non_exhaustive] pub struct R { pub message: Option<String> } }";
    let new = "pub mod types { #[non_exhaustive] pub struct R { pub message: String } }";
    let (found, added) = breaks(old, new);
    assert_eq!(found, ["types::R.message: changed from `Option<String>` to `String`"]);
    assert_eq!(added, 0);
}

#[test]
fn new_fields_and_variants_break_only_types_that_are_not_non_exhaustive() {
    let old = "pub mod types {
        #[non_exhaustive] pub struct A { pub x: i64 }
        pub struct B { pub x: i64 }
        #[non_exhaustive] pub enum E { One }
    }";
    let new = "pub mod types {
        #[non_exhaustive] pub struct A { pub x: i64, pub y: i64 }
        pub struct B { pub x: i64, pub y: i64 }
        #[non_exhaustive] pub enum E { One, Two }
        pub struct C { pub z: i64 }
    }";
    let (found, added) = breaks(old, new);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("types::B.y: added to `types::B`"), "{found:?}");
    // A.y, E::Two, and C with its field.
    assert_eq!(added, 4);
}

#[test]
fn a_conversion_into_a_std_type_goes_with_the_type_it_converts() {
    let old = "pub mod types {
        pub struct Name(String);
        impl ::std::convert::From<Name> for ::std::string::String { }
    }";
    let (found, _) = breaks(old, "pub mod types {}");
    assert_eq!(found, ["types::Name: removed, with 1 item(s) of its own"]);
}

#[test]
fn a_removed_type_is_one_break_not_one_per_member() {
    let old = "pub mod builder {
        #[derive(Debug)] pub struct Delete<'a> { client: &'a u8 }
        impl<'a> Delete<'a> { pub fn send(self) {} pub fn id(self) -> Self { self } }
    }";
    let (found, _) = breaks(old, "pub mod builder {}");
    assert_eq!(found, ["builder::Delete: removed, with 3 item(s) of its own"]);
}

#[test]
fn removed_methods_derives_and_trait_impls_are_breaks() {
    let old = "#[derive(Clone, PartialEq)] pub struct C;
        impl C { pub fn list(&self) -> u8 { 0 } pub fn get(&self) {} fn private(&self) {} }
        impl std::fmt::Display for C {}";
    let new = "#[derive(Clone)] pub struct C;
        impl C { pub fn list(&self) -> u16 { 0 } }";
    let (found, _) = breaks(old, new);
    assert_eq!(
        found,
        [
            "C: derive PartialEq: removed",
            "C: impl std::fmt::Display: removed",
            "C::get: removed",
            "C::list: changed from `fn list(&self) -> u8` to `fn list(&self) -> u16`",
        ]
    );
}
