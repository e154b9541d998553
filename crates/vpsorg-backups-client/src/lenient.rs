//! Enums the API may grow. The spec lists today's values; these types also keep any other
//! value as `Unknown(String)`, so one new backup type or status never fails a whole page.
//! `cargo xtask codegen` substitutes them for the schemas of the same name.

use std::borrow::Cow;
use std::fmt;

/// Defines a string enum with an `Unknown(String)` catch-all, its wire format and its schema.
macro_rules! lenient_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$variant_meta])* $variant, )+
            /// A value this version of the crate does not know, kept exactly as the API sent it.
            Unknown(String),
        }

        impl $name {
            /// Every value this version of the crate knows, in the spec's order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The value as the API spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Unknown(other) => other,
                }
            }

            /// Whether this is a value the crate does not know.
            pub fn is_unknown(&self) -> bool {
                matches!(self, $name::Unknown(_))
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $( $wire => $name::$variant, )+
                    other => $name::Unknown(other.to_owned()),
                }
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                match value.as_str() {
                    $( $wire => $name::$variant, )+
                    _ => $name::Unknown(value),
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl fmt::Display for $name {
            /// The wire value; width, fill and alignment apply (`{:<12}` pads it).
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                // Borrow when the input allows it: known values then cost no allocation.
                let value = <Cow<'de, str> as serde::Deserialize>::deserialize(deserializer)?;
                Ok(match value {
                    Cow::Borrowed(s) => Self::from(s),
                    Cow::Owned(s) => Self::from(s),
                })
            }
        }

        impl schemars::JsonSchema for $name {
            fn schema_name() -> String {
                stringify!($name).to_owned()
            }

            fn json_schema(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
                let known = [$($wire),+].join("`, `");
                schemars::schema::SchemaObject {
                    instance_type: Some(schemars::schema::InstanceType::String.into()),
                    metadata: Some(Box::new(schemars::schema::Metadata {
                        description: Some(format!(
                            "One of `{known}`; other values may appear and are kept as they are."
                        )),
                        examples: vec![$(serde_json::Value::from($wire)),+],
                        ..Default::default()
                    })),
                    ..Default::default()
                }
                .into()
            }
        }
    };
}

lenient_enum! {
    /// How a backup was made.
    pub enum BackupType {
        /// Made on request, through this API or the panel. Never expires automatically; at
        /// most 10 per server.
        Manual = "manual",
        /// Made by the plan's schedule; expires after the plan's retention (typically 7–30 days).
        Automatic = "automatic",
    }
}

lenient_enum! {
    /// Where a backup is in its life.
    pub enum BackupStatus {
        /// Being created; `size_mb` is not known yet.
        InProgress = "in_progress",
        /// Ready to restore from.
        Completed = "completed",
        /// Could not be made (inferred: the vendor's page shows no failed backup).
        Failed = "failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_values_round_trip() {
        for wire in ["manual", "automatic", "snapshot", ""] {
            let parsed: BackupType = serde_json::from_value(wire.into()).unwrap();
            assert_eq!(
                parsed.is_unknown(),
                !["manual", "automatic"].contains(&wire)
            );
            assert_eq!(serde_json::to_value(&parsed).unwrap(), wire);
            assert_eq!(parsed.to_string(), wire);
        }
        assert_eq!(BackupStatus::from("in_progress"), BackupStatus::InProgress);
        assert_eq!(
            BackupStatus::from("restoring".to_string()),
            BackupStatus::Unknown("restoring".into())
        );
    }

    #[test]
    fn display_honours_width_and_alignment() {
        assert_eq!(format!("[{:<12}]", BackupType::Manual), "[manual      ]");
        assert_eq!(
            format!("[{:>12}]", BackupStatus::Completed),
            "[   completed]"
        );
        assert_eq!(
            format!("[{:^9}]", BackupStatus::Unknown("new".into())),
            "[   new   ]"
        );
        assert_eq!(format!("[{:.3}]", BackupType::Automatic), "[aut]");
        assert_eq!(format!("{}", BackupStatus::InProgress), "in_progress");
    }

    #[test]
    fn non_strings_are_rejected() {
        assert!(serde_json::from_str::<BackupStatus>("42").is_err());
        assert!(serde_json::from_str::<BackupStatus>("null").is_err());
    }

    #[test]
    fn escaped_strings_decode_as_owned() {
        let parsed: BackupStatus = serde_json::from_str(r#""compl\u0065ted""#).unwrap();
        assert_eq!(parsed, BackupStatus::Completed);
    }
}
