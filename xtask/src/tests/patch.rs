//! Tests of `codegen::patch`, on small hand-written files.

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
        "pub mod types { #[derive(Clone)] pub struct A { pub x: i64 } \
         pub enum B { C, Unknown(U) } } pub struct Outside;",
    );
    assert_eq!(
        out,
        "pub mod types { # [derive (Clone)] # [non_exhaustive] \
         # [cfg_attr (feature = \"schemars\" , derive (schemars :: JsonSchema))] \
         pub struct A { pub x : i64 } # [non_exhaustive] \
         # [cfg_attr (feature = \"schemars\" , derive (schemars :: JsonSchema))] \
         pub enum B { C , Unknown (U) } pub struct Added ; } pub struct Outside ;"
    );
}

#[test]
fn bare_items_get_docs_from_their_types_fields_and_parameters() {
    let mut file: syn::File = syn::parse_str(
        "pub mod types {
            /// The server a backup belongs to.
            ///
            /// More about servers.
            pub struct ServerRef { pub id: i64 }
            pub struct Backup {
                /// Unique backup ID
                pub id: i64,
                pub server: ServerRef,
                pub owner: Option<ServerRef>,
                #[serde(flatten)]
                pub extra: std::collections::HashMap<String, String>,
            }
            impl Backup { pub fn builder() -> builder::Backup { Default::default() } }
            pub mod builder {
                pub struct Backup { id: i64 }
                impl Backup { pub fn id<T>(self, value: T) -> Self { self } }
            }
        }
        pub mod builder {
            pub struct ListBackups<'a> { x: &'a () }
            impl<'a> ListBackups<'a> {
                pub fn new() -> Self { Self { x: &() } }
                pub fn server_id<V>(self, value: V) -> Self { self }
            }
        }",
    )
    .unwrap();
    let parameters = Docs::from([(
        "ListBackups".to_owned(),
        BTreeMap::from([("server_id".to_owned(), "Filter by server".to_owned())]),
    )]);
    document(&mut file, &parameters).unwrap();
    let out = file.to_token_stream().to_string();
    for expected in [
        "# [doc = \"The server a backup belongs to.\"] pub server : ServerRef",
        "# [doc = \"The server a backup belongs to.\"] pub owner : Option < ServerRef >",
        "# [doc = \"The object's other fields, by name.\"]",
        "# [doc = \"Sets `id`.\\n\\nUnique backup ID\"] pub fn id",
        "# [doc = \"Sets the `server_id` parameter.\\n\\nFilter by server\"] pub fn server_id",
        "pub struct Backup { id : i64 }",
    ] {
        assert!(out.contains(expected), "{expected}\nnot in\n{out}");
    }
    assert!(out.contains("A builder for [`Backup`](super::Backup)"), "{out}");
    assert!(out.contains("A request with nothing set yet"), "{out}");
}

#[test]
fn no_types_module_is_an_error() {
    let mut file: syn::File = syn::parse_str("pub struct A;").unwrap();
    assert!(types_module(&mut file, Vec::new()).is_err());
}

#[test]
fn a_strict_enum_in_types_is_refused_and_a_lenient_one_is_not() {
    let mut strict: syn::File = parse_quote! {
        pub mod types {
            pub enum Tier { Hot, Cold }
            pub enum Kind { A, Unknown(crate::UnknownValue) }
        }
    };
    let error = types_module(&mut strict, Vec::new()).unwrap_err().to_string();
    assert!(error.contains("(Tier)"), "{error}");
    let mut lenient: syn::File = parse_quote! {
        pub mod types { pub enum Kind { A, Unknown(crate::UnknownValue) } }
    };
    types_module(&mut lenient, Vec::new()).unwrap();
}
