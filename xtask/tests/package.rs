//! `cargo xtask package`'s checks of a published crate's files and metadata, and what the
//! published crates build by default.

use std::collections::BTreeSet;

use xtask::package::{Metadata, PUBLISHED, Package, Target, check_files, check_metadata};

fn files(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn a_published_crate_needs_its_files_and_metadata() {
    let dir = std::env::temp_dir().join(format!("xtask-package-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("LICENSE-MIT"), "not the licence").unwrap();
    let found = check_files(
        "c",
        &dir,
        &xtask::project_root(),
        &files(&["Cargo.toml", "README.md", "LICENSE-MIT"]),
    );
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(
        found,
        [
            "c: the package has no LICENSE-APACHE",
            "c: LICENSE-MIT differs from the root's (make it a symlink to ../../LICENSE-MIT)",
        ]
    );

    let package = |name: &str, publish: Option<Vec<String>>| Package {
        name: name.into(),
        publish,
        license: Some("MIT OR Apache-2.0".into()),
        description: Some("d".into()),
        repository: Some("r".into()),
        rust_version: Some("1.88".into()),
        readme: Some("README.md".into()),
        keywords: vec!["k".into()],
        categories: vec!["c".into()],
        targets: vec![Target { kind: vec!["lib".into()] }],
        metadata: serde_json::json!({"docs": {"rs": {"all-features": true}}}),
        ..Package::default()
    };
    let mut packages: Vec<Package> = PUBLISHED.iter().map(|n| package(n, None)).collect();
    packages.push(package("xtask", Some(vec![])));
    assert_eq!(check_metadata(&Metadata { packages, ..Metadata::default() }), Vec::<String>::new());

    let mut packages: Vec<Package> = PUBLISHED.iter().map(|n| package(n, None)).collect();
    packages[0] = Package {
        license: Some("MIT".into()),
        keywords: vec![],
        metadata: serde_json::Value::Null,
        ..package(PUBLISHED[0], Some(vec![]))
    };
    packages.remove(1);
    packages.push(package("new-crate", None));
    let found = check_metadata(&Metadata { packages, ..Metadata::default() });
    let first = PUBLISHED[0];
    assert_eq!(
        found,
        [
            format!("{} is in PUBLISHED (xtask/src/package.rs) but not a member", PUBLISHED[1]),
            format!("{first} is published but says `publish = false`"),
            format!("{first}: license must be \"MIT OR Apache-2.0\", is Some(\"MIT\")"),
            format!("{first}: no `keywords`"),
            format!("{first}: no [package.metadata.docs.rs] (which features docs.rs documents)"),
            "new-crate is publishable but not in PUBLISHED (xtask/src/package.rs): add it \
             there (with licence files) or set `publish = false`"
                .to_string(),
        ]
    );
}

/// The default build uses rustls: OpenSSL would need system libraries on every user's
/// machine. `native-tls` is an opt-in feature of the wrapper, so openssl-sys may be in
/// Cargo.lock, but nothing the workspace builds by default may depend on it.
#[test]
fn no_openssl_in_the_default_build() {
    for banned in ["openssl-sys", "native-tls"] {
        let output = xtask::cargo()
            // Not --offline: `--target all` needs every platform's packages, which a
            // fresh machine has not downloaded (android_system_properties, say).
            .args(["tree", "--workspace", "--locked"])
            .args(["-e", "normal,build", "--target", "all", "-i", banned])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !output.status.success() && stderr.contains("did not match any packages"),
            "{banned} is in the default build:\n{}{stderr}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
    let lock = std::fs::read_to_string(xtask::project_root().join("Cargo.lock")).unwrap();
    assert!(lock.contains("name = \"rustls\""));
}
