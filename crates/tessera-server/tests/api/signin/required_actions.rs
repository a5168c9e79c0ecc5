//! Keycloak's temporary passwords: a user imported with `"temporary": true` (or given one with
//! `tessera user set-password --temporary`) must choose a new password at the next sign-in.

use super::*;

/// The acme realm with wile's password marked temporary, as Keycloak exports it.
fn fixture_with_temporary_password() -> (tempfile::TempDir, PathBuf) {
    let mut realm: Value = serde_json::from_str(&std::fs::read_to_string(fixture()).unwrap()).unwrap();
    for user in realm["users"].as_array_mut().unwrap() {
        if user["username"] == "wile" {
            user["credentials"][0]["temporary"] = Value::Bool(true);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("acme.json");
    std::fs::write(&path, realm.to_string()).unwrap();
    (dir, path)
}

#[tokio::test]
async fn a_temporary_password_must_be_replaced_at_the_next_sign_in_keycloak_update_password() {
    let (_dir, path) = fixture_with_temporary_password();
    let server = TestServer::builder().import_realm(path).spawn().await;
    let browser = Browser::new(&server);
    let pkce = pkce();
    let asked = browser.login(browser.authorize_spa(&pkce, &[]).await, "wile", "Super-Genius-1949").await;
    assert_eq!(asked.status(), StatusCode::OK, "no code before the new password");
    let mut page = asked.text().await.unwrap();
    assert!(page.contains("Choose a new password"), "{page}");
    for (new, confirm, complaint) in [
        ("short", "short", "at least 8 characters"),
        ("New-Genius-2026", "New-Genius-2027", "do not match"),
        ("Super-Genius-1949", "Super-Genius-1949", "other than the temporary one"),
    ] {
        let again = browser.submit(&page, &[("password-new", new), ("password-confirm", confirm)]).await;
        assert_eq!(again.status(), StatusCode::OK);
        page = again.text().await.unwrap();
        assert!(page.contains("role=\"alert\"") && page.contains(complaint), "{complaint}: {page}");
    }
    let done =
        browser.submit(&page, &[("password-new", "New-Genius-2026"), ("password-confirm", "New-Genius-2026")]).await;
    assert_eq!(done.status(), StatusCode::FOUND);
    let location = done.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(location.starts_with(SPA_REDIRECT), "{location}");
    let code = query_of(&location)["code"].clone();
    assert_eq!(redeem_spa(&server, &code, &pkce.verifier).await.status(), StatusCode::OK);

    // The old password no longer opens the account; the chosen one does, with no further question.
    let later = Browser::new(&server);
    let refused = later.login(later.authorize_spa(&pkce, &[]).await, "wile", "Super-Genius-1949").await;
    assert!(refused.text().await.unwrap().contains("Invalid username or password."));
    let again = Browser::new(&server);
    let signed_in = again.login(again.authorize_spa(&pkce, &[]).await, "wile", "New-Genius-2026").await;
    assert_eq!(signed_in.status(), StatusCode::FOUND);
}

#[tokio::test]
async fn the_password_grant_refuses_an_account_with_a_temporary_password_rfc6749_4_3() {
    use tessera_core::provisioning::NewClient;
    let (_dir, path) = fixture_with_temporary_password();
    let server = TestServer::builder().import_realm(path).spawn().await;
    let spec = NewClient { client_id: "importer".into(), direct_access_grants: true, ..NewClient::default() };
    let importer = server.client("acme", spec).await;
    let form = [("grant_type", "password"), ("username", "wile"), ("password", "Super-Genius-1949")];
    let response =
        server.http.post(server.token_url("acme")).basic_auth("importer", Some(&importer.secret)).form(&form).send();
    let (status, error, description) = error_of(response.await.unwrap()).await;
    assert_eq!(
        (status, error.as_str(), description.as_str()),
        (StatusCode::BAD_REQUEST, "invalid_grant", "Account is not fully set up")
    );
}
