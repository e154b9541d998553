//! Enums the API may grow. `cargo xtask codegen` writes a lenient enum into the generated
//! `types` module for every string enum of the spec, in place of progenitor's strict enum
//! (the traits come from [`lenient_impls!`]): each keeps any value the spec does not list as
//! an opaque [`UnknownValue`], so one new backup type or status never fails a whole page.

use std::fmt;

/// A value of a string enum that this version of the crate does not know, kept exactly as
/// the API sent it. Read it with [`as_str`](Self::as_str) (or `as_str()` on the enum);
/// it cannot be built or matched on, so that code keeps working the day a later version
/// gives the value a variant of its own.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownValue(pub(crate) String);

impl UnknownValue {
    pub(crate) fn new(value: &str) -> Self {
        UnknownValue(value.to_owned())
    }

    /// The value as the API sent it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

/// Implements the traits of a lenient enum from its `as_str` and `From<&str>`: serde as the
/// wire string, `From<String>`, `FromStr`, `Display` (honouring width and alignment) and,
/// with the `schemars` feature, `JsonSchema`.
macro_rules! lenient_impls {
    ($name:ident) => {
        impl ::std::convert::From<::std::string::String> for $name {
            fn from(value: ::std::string::String) -> Self {
                match Self::from(value.as_str()) {
                    Self::Unknown(_) => Self::Unknown($crate::UnknownValue(value)),
                    known => known,
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;

            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl ::std::fmt::Display for $name {
            /// The wire value; width, fill and alignment apply (`{:<12}` pads it).
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                // Borrow when the input allows it: known values then cost no allocation.
                let value = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(
                    deserializer,
                )?;
                Ok(match value {
                    ::std::borrow::Cow::Borrowed(s) => Self::from(s),
                    ::std::borrow::Cow::Owned(s) => Self::from(s),
                })
            }
        }

        #[cfg(feature = "schemars")]
        impl ::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::string::String {
                stringify!($name).to_owned()
            }

            fn json_schema(
                _: &mut ::schemars::r#gen::SchemaGenerator,
            ) -> ::schemars::schema::Schema {
                let known: ::std::vec::Vec<&str> = Self::KNOWN.iter().map(Self::as_str).collect();
                ::schemars::schema::SchemaObject {
                    instance_type: Some(::schemars::schema::InstanceType::String.into()),
                    metadata: Some(Box::new(::schemars::schema::Metadata {
                        description: Some(format!(
                            "One of `{}`; other values may appear and are kept as they are.",
                            known.join("`, `")
                        )),
                        examples: known.into_iter().map(::serde_json::Value::from).collect(),
                        ..Default::default()
                    })),
                    ..Default::default()
                }
                .into()
            }
        }
    };
}

pub(crate) use lenient_impls;

#[cfg(test)]
#[path = "../tests/unit/lenient.rs"]
mod tests;
